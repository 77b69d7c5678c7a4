"""The Kanwil's dashboard and lineage words, and the stock list and paging the
administrators' pages share."""

from services.console.words.kinds import Words

WORDS: Words = {
    "nav.dashboard": (
        "Dasbor",
        "Dashboard",
    ),
    "nav.lineage": (
        "Telusur lot",
        "Trace a lot",
    ),
    "kanwil.title": (
        "Dasbor Kanwil",
        "Kanwil dashboard",
    ),
    "kanwil.holds": (
        "Lot yang ditahan atau ditarik",
        "Lots on hold or recalled",
    ),
    "kanwil.holds.count": (
        "{count} penahanan terbuka",
        "{count} open holds",
    ),
    "kanwil.holds.status": (
        "Keadaan",
        "Status",
    ),
    "kanwil.holds.units": (
        "{count} unit",
        "{count} units",
    ),
    "kanwil.holds.pages": (
        "Halaman penahanan",
        "Pages of holds",
    ),
    "kanwil.holds.none": (
        "Tidak ada lot yang ditahan atau ditarik.",
        "No lot is on hold or recalled.",
    ),
    "stock.title": (
        "Stok per UPT dan lokasi",
        "Stock by UPT and location",
    ),
    "stock.count": (
        "{count} baris stok",
        "{count} stock lines",
    ),
    "stock.of": (
        "Stok produk UPT {upt}",
        "Stock of UPT {upt}'s products",
    ),
    "stock.maker_unknown": (
        "Produk yang belum ada di katalog",
        "Products not in the catalogue yet",
    ),
    "stock.location": (
        "Lokasi",
        "Location",
    ),
    "stock.on_hand": (
        "Ada",
        "On hand",
    ),
    "stock.reserved": (
        "Dipesan",
        "Reserved",
    ),
    "stock.quarantined": (
        "Ditahan",
        "Held",
    ),
    "stock.available": (
        "Tersedia",
        "Available",
    ),
    "stock.in_transit": (
        "Dalam kiriman",
        "In transit",
    ),
    "stock.none": (
        "Belum ada stok.",
        "No stock yet.",
    ),
    "stock.pages": (
        "Halaman stok",
        "Pages of stock",
    ),
    "paging.shown": (
        "{first}-{last} dari {total}",
        "{first}-{last} of {total}",
    ),
    "paging.previous": (
        "Sebelumnya",
        "Previous",
    ),
    "paging.next": (
        "Berikutnya",
        "Next",
    ),
    "lineage.title": (
        "Telusur lot atau unit",
        "Trace a lot or a unit",
    ),
    "lineage.code": (
        "Kode lot atau nomor seri",
        "Lot code or serial",
    ),
    "lineage.code.hint": (
        "Seperti tertulis di label, mis. CLG-FTW-2611-0001.",
        "As printed on the label, e.g. CLG-FTW-2611-0001.",
    ),
    "lineage.search": (
        "Telusuri",
        "Trace",
    ),
    "lineage.not_found": (
        "Tidak ada lot atau unit dengan kode ini. Periksa kodenya di label.",
        "No lot or unit has this code. Check the code on the label.",
    ),
    "lineage.of": (
        "Telusuri lot {code}",
        "Trace lot {code}",
    ),
    "lineage.open": (
        "Telusuri",
        "Trace",
    ),
    "lineage.lot": (
        "Lot",
        "Lot",
    ),
    "lineage.unit": (
        "Unit",
        "Unit",
    ),
    "lineage.status": (
        "Keadaan",
        "Status",
    ),
    "lineage.made": (
        "Jumlah dibuat",
        "Made",
    ),
    "lineage.backwards": (
        "Asal-usul",
        "Where it came from",
    ),
    "lineage.forwards": (
        "Ke mana perginya",
        "Where it went",
    ),
    "lineage.workshop": (
        "Bengkel",
        "Workshop",
    ),
    "lineage.permits": (
        "Izin pangan",
        "Food permits",
    ),
    "lineage.produced": (
        "Diproduksi {day}.",
        "Made on {day}.",
    ),
    "lineage.best_before": (
        "Baik digunakan sebelum {day}.",
        "Best before {day}.",
    ),
    "lineage.valid_until": (
        "berlaku sampai {day}",
        "valid until {day}",
    ),
    "lineage.no_permits": (
        "Pemeriksaan QC tidak mencatat izin.",
        "QC's sign-off recorded no permit.",
    ),
    "lineage.not_recorded": (
        "Kode pekerja belum tersedia dari layanan mana pun, jadi tidak ditampilkan di sini.",
        "No service gives the worker codes yet, so none are shown here.",
    ),
    "lineage.not_moved": (
        "Belum keluar dari bengkel atau QC.",
        "It has not left the workshop or QC yet.",
    ),
    "lineage.now": (
        "Di mana setiap unit sekarang",
        "Where every unit is now",
    ),
    "lineage.pages": (
        "Halaman unit",
        "Pages of units",
    ),
    "lineage.order": (
        "Pesanan",
        "Order",
    ),
    "lineage.quantity": (
        "Jumlah {quantity}",
        "Quantity {quantity}",
    ),
    "lineage.short": (
        "{quantity} tidak sampai",
        "{quantity} did not arrive",
    ),
    "lineage.passed_rejected": (
        "{passed} lolos, {rejected} ditolak",
        "{passed} passed, {rejected} rejected",
    ),
    "lineage.correction": (
        "koreksi",
        "a correction",
    ),
    "lineage.units": (
        "{count} unit",
        "{count} units",
    ),
    "lineage.step.made": (
        "Dibuat",
        "Made",
    ),
    "lineage.step.inspected": (
        "Diperiksa QC",
        "Checked by QC",
    ),
    "lineage.step.released": (
        "Dilepas dari penahanan",
        "Released from the hold",
    ),
    "lineage.step.stored": (
        "Masuk gudang",
        "Into the store",
    ),
    "lineage.step.shipped": (
        "Dikirim",
        "Shipped",
    ),
    "lineage.step.received": (
        "Diterima",
        "Received",
    ),
    "lineage.step.damaged": (
        "Diterima rusak",
        "Received damaged",
    ),
    "lineage.step.returned": (
        "Dikembalikan pembeli",
        "Returned by the buyer",
    ),
    "lineage.step.sold": (
        "Terjual",
        "Sold",
    ),
    "lineage.step.held": (
        "Ditahan",
        "Put on hold",
    ),
    "lineage.step.recalled": (
        "Ditarik kembali",
        "Recalled",
    ),
    "lineage.step.destroyed": (
        "Dimusnahkan",
        "Destroyed",
    ),
    "lineage.step.other": (
        "Langkah lain",
        "Another step",
    ),
    "lineage.where.unknown": (
        "belum diketahui",
        "not known yet",
    ),
    "lineage.where.awaiting_qc": (
        "menunggu QC",
        "awaiting QC",
    ),
    "lineage.where.passed_qc": (
        "lolos QC",
        "passed QC",
    ),
    "lineage.where.in_stock": (
        "di stok",
        "in stock",
    ),
    "lineage.where.in_transit": (
        "dalam kiriman",
        "in transit",
    ),
    "lineage.where.rejected": (
        "ditolak QC",
        "rejected at QC",
    ),
    "lineage.where.sold": (
        "terjual",
        "sold",
    ),
    "lineage.where.returned": (
        "dikembalikan",
        "returned",
    ),
    "lineage.where.destroyed": (
        "dimusnahkan",
        "destroyed",
    ),
    "lineage.where.recalled": (
        "ditarik kembali",
        "recalled",
    ),
    "lineage.where.on_hold": (
        "ditahan",
        "on hold",
    ),
}
