"""The words of a channel's staff: stock, selling, orders."""

from services.console.words.kinds import Words

WORDS: Words = {
    "gallery.back": (
        "Kembali ke stok",
        "Back to the stock",
    ),
    "gallery.reason": (
        "Alasan",
        "Reason",
    ),
    "gallery.stock.title": (
        "Stok di lokasi kami",
        "Stock at our locations",
    ),
    "gallery.stock.intro": (
        "Barang yang bisa dijual kanal {channel} sekarang, per lokasi.",
        "What channel {channel} can sell now, per location.",
    ),
    "gallery.stock.count": (
        "{count} produk",
        "{count} products",
    ),
    "gallery.stock.available": (
        "Tersedia",
        "Available",
    ),
    "gallery.stock.where": (
        "Lokasi",
        "Locations",
    ),
    "gallery.stock.none": (
        "Belum ada stok di lokasi kanal ini.",
        "No stock at this channel's locations yet.",
    ),
    "gallery.sell": (
        "Jual",
        "Sell",
    ),
    "gallery.sell.of": (
        "Jual {product}",
        "Sell {product}",
    ),
    "gallery.sell.title": (
        "Penjualan baru",
        "New sale",
    ),
    "gallery.sell.choose": (
        "Pilih produk",
        "Choose a product",
    ),
    "gallery.sell.serials": (
        "Nomor seri (jika memilih unit tertentu)",
        "Serials (when selling chosen units)",
    ),
    "gallery.sell.serials.hint": (
        "Dipisah spasi atau koma.",
        "Separated by spaces or commas.",
    ),
    "gallery.sell.buyer": (
        "Referensi pembeli",
        "Buyer reference",
    ),
    "gallery.sell.buyer.hint": (
        "Kode yang kanal simpan untuk pembeli, bukan nama.",
        "The code the channel keeps for its buyer, never a name.",
    ),
    "gallery.sell.submit": (
        "Pesan",
        "Place the order",
    ),
    "gallery.order.title": (
        "Pesanan",
        "Order",
    ),
    "gallery.order.status.pending": (
        "Menunggu jawaban gudang…",
        "Waiting for the stores' answer…",
    ),
    "gallery.order.status.confirmed": (
        "Dikonfirmasi: barang disisihkan. Serahkan lalu selesaikan.",
        "Confirmed: the goods are set aside. Hand them over, then complete.",
    ),
    "gallery.order.status.rejected": (
        "Ditolak oleh gudang.",
        "Rejected by the stores.",
    ),
    "gallery.order.status.completed": (
        "Selesai: terjual.",
        "Completed: sold.",
    ),
    "gallery.order.status.cancelled": (
        "Dibatalkan.",
        "Cancelled.",
    ),
    "gallery.order.returned": (
        "Dikembalikan",
        "Returned",
    ),
    "gallery.order.keep": (
        "Nomor pesanan:",
        "Order number:",
    ),
    "gallery.order.complete": (
        "Selesaikan penjualan",
        "Complete the sale",
    ),
    "gallery.order.cancel": (
        "Batalkan pesanan",
        "Cancel the order",
    ),
    "gallery.order.cancel.submit": (
        "Batalkan",
        "Cancel",
    ),
    "gallery.return.title": (
        "Catat pengembalian",
        "Record a return",
    ),
    "gallery.return.serials": (
        "Nomor seri yang kembali",
        "Serials that came back",
    ),
    "gallery.return.quantity": (
        "Jumlah yang kembali",
        "Quantity that came back",
    ),
    "gallery.return.quantity.hint": (
        "Untuk barang yang dilacak per lot.",
        "For goods tracked per lot.",
    ),
    "gallery.return.submit": (
        "Catat pengembalian",
        "Record the return",
    ),
}
