"""The words of a consignment's receipt."""

from services.console.words.kinds import Words

WORDS: Words = {
    "transfers.title": (
        "Kiriman dalam perjalanan",
        "Transfers in transit",
    ),
    "transfers.intro": (
        "Kiriman konsinyasi ke lokasi Anda yang belum diterima, yang terlama di atas.",
        "Consignments to your places not received yet, the oldest first.",
    ),
    "transfers.count": (
        "{count} dalam perjalanan",
        "{count} in transit",
    ),
    "transfers.none": (
        "Tidak ada kiriman dalam perjalanan.",
        "No transfer is in transit.",
    ),
    "transfers.open": (
        "Terima lot {lot}",
        "Receive lot {lot}",
    ),
    "transfers.back": (
        "Kembali ke kiriman",
        "Back to the transfers",
    ),
    "receipt.title": (
        "Penerimaan kiriman",
        "Receiving a transfer",
    ),
    "receipt.route": (
        "Dari → ke",
        "From → to",
    ),
    "receipt.shipped": (
        "Dikirim",
        "Shipped",
    ),
    "receipt.hint": (
        "Hitung yang kurang dan yang rusak; sisanya diterima utuh.",
        "Count what is short and what is damaged; the rest arrived whole.",
    ),
    "receipt.short_serials": (
        "Nomor seri yang kurang",
        "Serials short",
    ),
    "receipt.damaged_serials": (
        "Nomor seri yang rusak",
        "Serials damaged",
    ),
    "receipt.short_quantity": (
        "Jumlah kurang",
        "Quantity short",
    ),
    "receipt.damaged_quantity": (
        "Jumlah rusak",
        "Quantity damaged",
    ),
    "receipt.serials": (
        "Nomor seri kiriman ini",
        "Serials of this transfer",
    ),
    "receipt.submit": (
        "Catat penerimaan",
        "Record the receipt",
    ),
    "receipt.done": (
        "Diterima: {received} utuh, {short} kurang, {damaged} rusak.",
        "Received: {received} whole, {short} short, {damaged} damaged.",
    ),
}
