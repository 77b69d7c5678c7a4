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
    "sign_off.pick": (
        "Pilih nomor seri ({code})",
        "Pick the serials ({code})",
    ),
    "sign_off.picked": (
        "{count} dipilih",
        "{count} picked",
    ),
    "sign_off.serials": (
        "Nomor seri yang ditolak ({code})",
        "Serials rejected ({code})",
    ),
    "sign_off.serials.hint": (
        "Satu nomor seri per unit yang ditolak: centang di daftar lot, atau ketik (atau pindai) "
        "dipisah spasi atau koma. Jumlah yang dikosongkan dihitung dari nomor seri.",
        "One serial per rejected unit: tick it in the lot's list, or type (or scan) them "
        "separated by spaces or commas. A count left blank is the number of serials.",
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
    "sign_off.error.corrected": (
        "Tanda tangan ini sudah dikoreksi petugas lain. Muat ulang halaman dan lihat "
        "keputusan terbaru.",
        "Another officer corrected this sign-off first. Reload the page to see the latest "
        "decision.",
    ),
    "sign_off.error.unchanged": (
        "Koreksi ini sama dengan keputusan sekarang: ubah jumlah, kode cacat atau nomor seri.",
        "This correction decides what was decided already: change a count, a defect code or "
        "a serial.",
    ),
    "sign_off.history": (
        "Riwayat tanda tangan",
        "Sign-offs",
    ),
    "sign_off.history.first": (
        "{at}: {officer}, {passed} lulus, {rejected} ditolak",
        "{at}: {officer}, {passed} passed, {rejected} rejected",
    ),
    "sign_off.history.correction": (
        "{at}: koreksi oleh {officer}, {passed} lulus, {rejected} ditolak. Alasan: {reason}",
        "{at}: corrected by {officer}, {passed} passed, {rejected} rejected. Reason: {reason}",
    ),
    "correction.title": (
        "Koreksi tanda tangan",
        "Correct the sign-off",
    ),
    "correction.intro": (
        "Isi keputusan baru seluruhnya (misalnya cacat yang baru ditemukan). Keputusan lama "
        "tetap tercatat; stok dan jejak mengikuti selisihnya.",
        "Enter the whole new decision (more defects found, say). The earlier one stays on "
        "record; stock and trace follow the difference.",
    ),
    "correction.reason": (
        "Alasan koreksi",
        "Reason for the correction",
    ),
    "correction.submit": (
        "Simpan koreksi",
        "Save the correction",
    ),
    "qc_holds.title": (
        "Penahanan lot ini",
        "Holds of this lot",
    ),
    "qc_holds.none": (
        "Lot ini tidak ditahan.",
        "This lot is not on hold.",
    ),
    "qc_holds.new": (
        "Tahan lot ini",
        "Hold this lot",
    ),
    "qc_holds.units": (
        "{count} unit",
        "{count} units",
    ),
    "qc_holds.intro": (
        "Barang yang ditahan tidak boleh dijual lagi. Kosongkan nomor seri untuk menahan "
        "seluruh lot.",
        "Goods on hold may not be sold any more. Leave the serials empty to hold the whole lot.",
    ),
    "qc_holds.pick": (
        "Pilih unit yang ditahan",
        "Pick the units to hold",
    ),
    "permit.kind.spp-irt": (
        "SPP-IRT",
        "SPP-IRT",
    ),
    "permit.kind.bpom-md": (
        "izin edar BPOM MD",
        "BPOM MD registration",
    ),
    "permit.kind.halal": (
        "sertifikat halal",
        "halal certificate",
    ),
    "permit.none": (
        "Pangan ini tidak bisa diluluskan: belum ada {kind} yang terdaftar untuk {sku} di UPT "
        "{upt}.",
        "This food cannot pass: no {kind} is registered for {sku} at UPT {upt}.",
    ),
    "permit.expired": (
        "Pangan ini tidak bisa diluluskan: {kind} {number} untuk {sku} di UPT {upt} habis "
        "berlaku pada {expires_on} (hari ini {day}).",
        "This food cannot pass: {kind} {number} for {sku} at UPT {upt} expired on "
        "{expires_on} (today is {day}).",
    ),
    "permit.revoked": (
        "Pangan ini tidak bisa diluluskan: {kind} {number} untuk {sku} di UPT {upt} dicabut "
        "pada {revoked_on}.",
        "This food cannot pass: {kind} {number} for {sku} at UPT {upt} was revoked on "
        "{revoked_on}.",
    ),
    "permit.not_yet": (
        "Pangan ini tidak bisa diluluskan: {kind} {number} untuk {sku} di UPT {upt} baru "
        "berlaku mulai {issued_on} (hari ini {day}).",
        "This food cannot pass: {kind} {number} for {sku} at UPT {upt} is valid only from "
        "{issued_on} (today is {day}).",
    ),
    "permit.not_eligible": (
        "Pangan ini tidak bisa diluluskan: {sku} wajib punya izin edar BPOM MD dan tidak boleh "
        "dijual dengan SPP-IRT, dan belum ada BPOM MD yang berlaku pada {day}.",
        "This food cannot pass: {sku} needs a BPOM MD registration and may not be sold under "
        "an SPP-IRT, and no BPOM MD is valid on {day}.",
    ),
    "permit.short_shelf_life": (
        "Pangan ini tidak bisa diluluskan: baik digunakan sebelum {best_before}, tinggal {left} "
        "hari pada {day}, padahal perlu paling sedikit {needed} hari.",
        "This food cannot pass: best before {best_before} leaves {left} day(s) on {day}, and "
        "at least {needed} are needed.",
    ),
    "permit.then": (
        "Minta admin UPT mendaftarkan izin yang berlaku lalu tanda tangani lagi, atau tolak "
        "seluruh barang dengan kode {code}.",
        "Ask the UPT administrator to register a valid permit and sign off again, or reject "
        "all the goods with code {code}.",
    ),
    "permit.then.reject": (
        "Tolak seluruh barang dengan kode {code}.",
        "Reject all the goods with code {code}.",
    ),
}
