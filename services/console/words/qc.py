"""The QC officer's words: the queue of inspections and the sign-off."""

from services.console.words.kinds import Words

WORDS: Words = {
    "inspections.title": (
        "Pemeriksaan yang menunggu",
        "Pending inspections",
    ),
    "inspections.intro": (
        "Batch yang selesai diproduksi di UPT {upt}, yang terlama di atas.",
        "Batches completed at UPT {upt}, the oldest first.",
    ),
    "inspections.none": (
        "Tidak ada pemeriksaan yang menunggu.",
        "No inspection is waiting.",
    ),
    "inspections.reload": (
        "Muat ulang",
        "Reload",
    ),
    "inspections.count": (
        "{count} menunggu",
        "{count} waiting",
    ),
    "inspections.lot": (
        "Lot",
        "Lot",
    ),
    "inspections.product": (
        "Produk",
        "Product",
    ),
    "inspections.quantity": (
        "Jumlah",
        "Quantity",
    ),
    "inspections.made": (
        "Diproduksi",
        "Made",
    ),
    "inspections.tracking.unit": (
        "dilacak per unit",
        "tracked per unit",
    ),
    "inspections.tracking.lot": (
        "dilacak per lot",
        "tracked per lot",
    ),
    "inspections.open": (
        "Periksa lot {lot}",
        "Inspect lot {lot}",
    ),
    "sign_off.title": (
        "Tanda tangan QC",
        "QC sign-off",
    ),
    "sign_off.back": (
        "Kembali ke antrean",
        "Back to the queue",
    ),
    "sign_off.passed": (
        "Jumlah lulus",
        "Passed",
    ),
    "sign_off.rejected": (
        "Jumlah ditolak",
        "Rejected",
    ),
    "sign_off.defects": (
        "Cacat per kode",
        "Defects by code",
    ),
    "sign_off.defects.hint": (
        "Untuk tiap kode cacat yang ditemukan, isi jumlah unit yang ditolak.",
        "For each defect code found, enter how many units it rejects.",
    ),
    "sign_off.serials": (
        "Nomor seri yang ditolak ({code})",
        "Serials rejected ({code})",
    ),
    "sign_off.serials.hint": (
        "Satu nomor seri per unit yang ditolak, dipisah spasi atau koma.",
        "One serial per rejected unit, separated by spaces or commas.",
    ),
    "sign_off.lot_serials": (
        "Nomor seri lot ini",
        "Serials of this lot",
    ),
    "sign_off.submit": (
        "Tanda tangani",
        "Sign off",
    ),
    "sign_off.done": (
        "Sudah ditandatangani oleh {officer}: {passed} lulus, {rejected} ditolak.",
        "Signed off by {officer}: {passed} passed, {rejected} rejected.",
    ),
    "sign_off.error.number": (
        "Isi bilangan bulat, 0 atau lebih.",
        "Enter a whole number, 0 or more.",
    ),
    "sign_off.error.sum": (
        "Lulus {passed} + ditolak {rejected} = {total}, tetapi batch ini berisi {quantity}.",
        "{passed} passed + {rejected} rejected = {total}, but this batch has {quantity}.",
    ),
    "sign_off.error.rejections": (
        "Jumlah per kode cacat ({listed}) harus sama dengan jumlah ditolak ({rejected}).",
        "The defects by code ({listed}) must add up to the rejected ({rejected}).",
    ),
    "sign_off.error.serials": (
        "Nomor seri tidak cocok: tiap unit yang ditolak perlu satu nomor seri dari lot ini, "
        "masing-masing sekali.",
        "These serials do not fit: each rejected unit needs one serial of this lot, each once.",
    ),
    "sign_off.error.defect": (
        "Kode cacat ini tidak diterima untuk produk ini.",
        "This defect code is not accepted for this product.",
    ),
    "sign_off.error.other": (
        "Layanan mutu menolak tanda tangan ini.",
        "The quality service refused this sign-off.",
    ),
    "sign_off.error.signed_off": (
        "Batch ini sudah ditandatangani. Muat ulang halaman.",
        "This batch is signed off already. Reload the page.",
    ),
}
