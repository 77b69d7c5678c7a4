"""The Kanwil's recall words: holds, recalls and the recall report."""

from services.console.words.kinds import Words

WORDS: Words = {
    "holds.title": (
        "Penahanan dan penarikan",
        "Holds and recalls",
    ),
    "holds.count": (
        "{count} penahanan",
        "{count} holds",
    ),
    "holds.none": (
        "Tidak ada lot yang ditahan.",
        "No lot is on hold.",
    ),
    "holds.new": (
        "Tahan lot",
        "Hold a lot",
    ),
    "holds.back": (
        "Kembali ke penahanan",
        "Back to the holds",
    ),
    "holds.hold": (
        "Penahanan",
        "Hold",
    ),
    "holds.defect": (
        "Kode cacat",
        "Defect code",
    ),
    "holds.defect.hint": (
        "Kode dari keluarga produk lot ini, atau kosong dan tulis alasannya.",
        "A code of the lot's product family, or none and write the reason.",
    ),
    "holds.defect.none": (
        "Tanpa kode cacat",
        "No defect code",
    ),
    "holds.serials": (
        "Nomor seri (jika hanya sebagian)",
        "Serials (when holding only some)",
    ),
    "holds.serials.hint": (
        "Kosong: seluruh lot ditahan.",
        "Empty: the whole lot is held.",
    ),
    "holds.submit": (
        "Tahan",
        "Hold",
    ),
    "holds.what": (
        "Yang ditahan",
        "Held",
    ),
    "holds.whole_lot": (
        "Seluruh lot",
        "The whole lot",
    ),
    "holds.recall_reason": (
        "Alasan penarikan",
        "Reason for the recall",
    ),
    "holds.recall": (
        "Tarik kembali",
        "Recall",
    ),
    "holds.recall.hint": (
        "Yang sudah terjual harus kembali: pembelinya ada di laporan penarikan.",
        "What was sold must come back: its buyers are in the recall report.",
    ),
    "holds.recall.submit": (
        "Tarik kembali",
        "Recall",
    ),
    "holds.status.held": (
        "Ditahan: tidak boleh dijual.",
        "On hold: not for sale.",
    ),
    "holds.status.recalled": (
        "Ditarik kembali.",
        "Recalled.",
    ),
    "holds.status.released": (
        "Dilepas: boleh dijual lagi.",
        "Released: for sale again.",
    ),
    "holds.status.destroyed": (
        "Dimusnahkan.",
        "Destroyed.",
    ),
    "report.open": (
        "Laporan penarikan lot ini",
        "This lot's recall report",
    ),
    "report.title": (
        "Laporan penarikan",
        "Recall report",
    ),
    "report.made": (
        "{made} dibuat",
        "{made} made",
    ),
    "report.csv": (
        "Unduh CSV",
        "Download CSV",
    ),
    "report.preparing": (
        "Menyiapkan laporan {count} barang…",
        "Preparing the report of {count} items…",
    ),
    "report.xlsx": (
        "Unduh XLSX",
        "Download XLSX",
    ),
    "report.buyers": (
        "Pembeli yang harus dihubungi",
        "Buyers to reach",
    ),
    "report.no_buyers": (
        "Belum ada yang terjual dari lot ini.",
        "Nothing of this lot was sold yet.",
    ),
    "report.buyer": (
        "Referensi pembeli",
        "Buyer reference",
    ),
    "report.channel": (
        "Kanal",
        "Channel",
    ),
    "report.unit": (
        "Unit",
        "Unit",
    ),
    "report.sold_at": (
        "Terjual",
        "Sold",
    ),
    "report.where.sold": (
        "terjual",
        "sold",
    ),
    "report.where.returned": (
        "dikembalikan",
        "returned",
    ),
    "report.where.held": (
        "ditahan",
        "on hold",
    ),
    "report.where.in_stock": (
        "di stok",
        "in stock",
    ),
    "report.where.rejected": (
        "ditolak QC",
        "rejected at QC",
    ),
    "report.where.destroyed": (
        "dimusnahkan",
        "destroyed",
    ),
}
