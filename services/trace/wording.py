"""What the public page says, in Indonesian (first) and English. One entry per phrase."""

from services.trace.negotiation import Language

MONTHS: dict[Language, tuple[str, ...]] = {
    "id": (
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

FAMILIES: dict[Language, dict[str, str]] = {
    "id": {
        "PAN": "Pangan olahan",
        "AGR": "Hasil pertanian dan peternakan",
        "KYU": "Kerajinan kayu dan logam",
        "TEX": "Tekstil dan kerajinan kain",
        "FTW": "Alas kaki",
        "BGN": "Bahan bangunan beton",
    },
    "en": {
        "PAN": "Processed food",
        "AGR": "Fresh farm produce",
        "KYU": "Wood and metal craft",
        "TEX": "Textiles and fabric craft",
        "FTW": "Footwear",
        "BGN": "Concrete building material",
    },
}

TEXT: dict[Language, dict[str, str]] = {
    "id": {
        "title": "Jejak produk",
        "tagline": "Asal-usul produk karya warga binaan pemasyarakatan Banten",
        "unit": "Nomor seri",
        "lot": "Nomor lot",
        "gtin": "GTIN",
        "made_by": "Dibuat di",
        "made_in": "Bulan produksi",
        "qc": "Pemeriksaan mutu",
        "qc_passed": "Lulus pemeriksaan mutu",
        "qc_failed": "Tidak lulus pemeriksaan mutu",
        "qc_lot": "{passed} dari {total} lulus",
        "qc_waiting": "Menunggu pemeriksaan mutu",
        "stored": "Disimpan di gudang",
        "sold": "Dijual melalui",
        "not_sold": "Belum terjual",
        "permits": "Izin pangan",
        "pirt": "Nomor P-IRT",
        "halal": "Sertifikat halal",
        "permit_missing": "belum tercatat di Jejak",
        "journey": "Perjalanan produk",
        "commissioning": "Selesai dibuat",
        "inspecting": "Diperiksa mutunya",
        "storing": "Masuk gudang",
        "retail_selling": "Dijual",
        "holding": "Ditahan",
        "recalling": "Ditarik dari peredaran",
        "released": "Dilepas setelah diperiksa ulang",
        "destroying": "Dimusnahkan",
        "receiving": "Dikembalikan pembeli",
        "shipping": "Dikirim",
        "arrived": "Diterima di tempat penjualan",
        "arrived_damaged": "Diterima dalam keadaan rusak (dikarantina untuk diperiksa)",
        "corrected_qc": "Koreksi hasil QC",
        "on_hold": "Lot ini sedang ditahan untuk diperiksa ulang. Mohon jangan dikonsumsi atau "
        "digunakan dulu; hubungi tempat Anda membeli.",
        "recalled": "Lot ini ditarik dari peredaran. Mohon jangan dikonsumsi atau digunakan; "
        "kembalikan ke tempat Anda membeli.",
        "destroyed": "Barang lot ini dimusnahkan karena tidak memenuhi mutu. Mohon jangan "
        "dikonsumsi atau digunakan; kembalikan ke tempat Anda membeli.",
        "programme": "Produk ini dibuat oleh warga binaan dalam program pembinaan kemandirian "
        "pemasyarakatan: bekal keterampilan kerja untuk kembali ke masyarakat.",
        "privacy": "Jejak tidak pernah menampilkan siapa yang membuat atau membeli produk.",
        "other_language": "English",
        "not_found_title": "Produk tidak ditemukan",
        "not_found": "Kode pada label ini tidak dikenal Jejak. Periksa kembali labelnya, atau "
        "tanyakan kepada penjual.",
        "bad_request_title": "Kode label tidak sah",
        "reason": "Alasan",
        "pieces": "buah",
    },
    "en": {
        "title": "Product trace",
        "tagline": "Where a product made by inmates in Banten's prisons comes from",
        "unit": "Serial number",
        "lot": "Lot number",
        "gtin": "GTIN",
        "made_by": "Made at",
        "made_in": "Month of production",
        "qc": "Quality check",
        "qc_passed": "Passed the quality check",
        "qc_failed": "Failed the quality check",
        "qc_lot": "{passed} of {total} passed",
        "qc_waiting": "Awaiting its quality check",
        "stored": "Stored at",
        "sold": "Sold through",
        "not_sold": "Not sold yet",
        "permits": "Food permits",
        "pirt": "P-IRT number",
        "halal": "Halal certificate",
        "permit_missing": "not yet recorded in Jejak",
        "journey": "The product's journey",
        "commissioning": "Made",
        "inspecting": "Quality checked",
        "storing": "Stored",
        "retail_selling": "Sold",
        "holding": "On hold",
        "recalling": "Recalled",
        "released": "Released after a new check",
        "destroying": "Destroyed",
        "receiving": "Returned by its buyer",
        "shipping": "Sent on",
        "arrived": "Received where it is sold",
        "arrived_damaged": "Received damaged (quarantined for a check)",
        "corrected_qc": "QC result corrected",
        "on_hold": "This lot is on hold for a new check. Please do not eat or use it for now; "
        "ask the shop where you bought it.",
        "recalled": "This lot has been recalled. Please do not eat or use it; return it to the "
        "shop where you bought it.",
        "destroyed": "The goods of this lot were destroyed: they did not meet the quality "
        "standard. Please do not eat or use it; return it to the shop where you bought it.",
        "programme": "Made by inmates in the correctional self-reliance programme (pembinaan "
        "kemandirian): work skills for their return to society.",
        "privacy": "Jejak never shows who made or who bought a product.",
        "other_language": "Bahasa Indonesia",
        "not_found_title": "Product not found",
        "not_found": "Jejak does not know the code on this label. Check the label again, or "
        "ask the seller.",
        "bad_request_title": "Not a valid label code",
        "reason": "Reason",
        "pieces": "pieces",
    },
}
