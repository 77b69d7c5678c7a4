"""The UPT administrator's words: the store's stock and ledger, batches and inspections,
recalls of the UPT's lots."""

from services.console.words.kinds import Words

WORDS: Words = {
    "nav.batches": (
        "Batch & QC",
        "Batches & QC",
    ),
    "nav.recalls": (
        "Penarikan",
        "Recalls",
    ),
    "upt.stock.title": (
        "Stok gudang UPT",
        "The UPT's store",
    ),
    "upt.stock.intro": (
        "Stok di gudang UPT {upt}: yang ada, dipesan, ditahan, tersedia, dan yang sedang dikirim "
        "ke sini.",
        "Stock at the store of UPT {upt}: on hand, reserved, held, available, and on its way here.",
    ),
    "upt.stock.back": (
        "Kembali ke stok",
        "Back to the stock",
    ),
    "ledger.title": (
        "Buku stok",
        "Stock ledger",
    ),
    "ledger.of": (
        "Buku stok {product}",
        "Ledger of {product}",
    ),
    "ledger.open": (
        "Buku stok",
        "Ledger",
    ),
    "ledger.sku": (
        "SKU",
        "SKU",
    ),
    "ledger.show": (
        "Tampilkan",
        "Show",
    ),
    "ledger.count": (
        "{count} pergerakan, terbaru dulu",
        "{count} movements, newest first",
    ),
    "ledger.reason": (
        "Sebab",
        "Why",
    ),
    "ledger.pages": (
        "Halaman buku stok",
        "Pages of the ledger",
    ),
    "ledger.newest": (
        "Terbaru",
        "Newest",
    ),
    "ledger.older": (
        "Lebih lama",
        "Older",
    ),
    "ledger.none": (
        "Belum ada pergerakan SKU ini di gudang.",
        "This SKU has not moved at the store yet.",
    ),
    "ledger.reason.received": (
        "diterima",
        "received",
    ),
    "ledger.reason.reserved": (
        "dipesan",
        "reserved",
    ),
    "ledger.reason.released": (
        "dilepas",
        "released",
    ),
    "ledger.reason.sold": (
        "terjual",
        "sold",
    ),
    "ledger.reason.quarantined": (
        "ditahan",
        "quarantined",
    ),
    "ledger.reason.written_off": (
        "dihapus (dimusnahkan)",
        "written off",
    ),
    "ledger.reason.rejected": (
        "ditolak QC",
        "rejected at QC",
    ),
    "ledger.reason.returned": (
        "dikembalikan pembeli",
        "returned by the buyer",
    ),
    "ledger.reason.expired": (
        "kedaluwarsa",
        "expired",
    ),
    "ledger.reason.shipped": (
        "dikirim",
        "shipped",
    ),
    "upt.batches.title": (
        "Batch dan pemeriksaan",
        "Batches and inspections",
    ),
    "upt.batches.intro": (
        "Batch di bengkel UPT: yang masih terbuka, lalu yang selesai sebagaimana QC mencatatnya.",
        "The batches of the UPT's workshops: those still open, then the completed ones as QC "
        "has them.",
    ),
    "upt.batches.which": (
        "Batch menurut pemeriksaan",
        "Batches by inspection",
    ),
    "upt.batches.open": (
        "Di bengkel",
        "At the workshops",
    ),
    "upt.batches.pending": (
        "Menunggu QC",
        "Waiting for QC",
    ),
    "upt.batches.signed_off": (
        "Sudah diperiksa",
        "Signed off",
    ),
    "upt.batches.count": (
        "{count} batch",
        "{count} batches",
    ),
    "upt.batches.pages": (
        "Halaman batch",
        "Pages of batches",
    ),
    "upt.batches.none": (
        "Tidak ada batch di sini.",
        "No batch here.",
    ),
    "upt.batches.back": (
        "Kembali ke batch",
        "Back to the batches",
    ),
    "upt.batch.open": (
        "Buka batch lot {lot}",
        "Open the batch of lot {lot}",
    ),
    "upt.batch.open_at": (
        "Buka batch {sku} di bengkel {workshop}",
        "Open the batch of {sku} at workshop {workshop}",
    ),
    "upt.batch.title": (
        "Batch",
        "Batch",
    ),
    "upt.batch.officer": (
        "Petugas QC",
        "QC officer",
    ),
    "upt.batch.status.open": (
        "terbuka",
        "open",
    ),
    "upt.batch.status.completed": (
        "selesai",
        "completed",
    ),
    "upt.batch.inspection": (
        "Pemeriksaan QC",
        "QC inspection",
    ),
    "upt.batch.decision": (
        "Keputusan",
        "Decision",
    ),
    "upt.batch.corrections": (
        "Koreksi",
        "Corrections",
    ),
    "upt.batch.no_inspection": (
        "QC belum menerima batch ini.",
        "QC has not received this batch yet.",
    ),
    "upt.recalls.title": (
        "Penahanan dan penarikan lot UPT",
        "Holds and recalls of the UPT's lots",
    ),
    "upt.recalls.intro": (
        "Lot UPT yang ditahan atau ditarik; laporan penarikan menyebut pembeli yang harus "
        "dihubungi.",
        "The UPT's lots on hold or recalled; the recall report names the buyers to reach.",
    ),
    "upt.recalls.buyers": (
        "Pembeli yang harus dihubungi",
        "Buyers to reach",
    ),
    "upt.recalls.buyers_of": (
        "Pembeli yang harus dihubungi: lot {lot}",
        "Buyers to reach: lot {lot}",
    ),
    "upt.recalls.pages": (
        "Halaman penahanan",
        "Pages of holds",
    ),
    "upt.recalls.back": (
        "Kembali ke penarikan",
        "Back to the recalls",
    ),
}
