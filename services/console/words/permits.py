"""The Kanwil's permit words: food permits (SPP-IRT, BPOM MD, halal) of products at UPTs."""

from services.console.words.kinds import Words

WORDS: Words = {
    "nav.permits": ("Izin pangan", "Food permits"),
    "permits.title": ("Izin pangan", "Food permits"),
    "permits.intro": (
        "Pangan lulus QC hanya dengan izin yang berlaku (SPP-IRT atau BPOM MD) dan sertifikat "
        "halal pada hari pemeriksaan. Perpanjangan adalah izin baru.",
        "Food passes QC only with a valid permit (SPP-IRT or BPOM MD) and halal certificate "
        "on the day of the sign-off. A renewal is a new permit.",
    ),
    "permits.new": ("Daftarkan izin", "Register a permit"),
    "permits.back": ("Kembali ke izin pangan", "Back to the food permits"),
    "permits.filter": ("Saring", "Filter"),
    "permits.count": ("{count} izin", "{count} permits"),
    "permits.none": ("Tidak ada izin.", "No permits."),
    "permits.permit": ("Izin", "Permit"),
    "permits.number": ("Nomor", "Number"),
    "permits.number.hint": (
        "SPP-IRT: 15 angka atau lebih. BPOM MD: 'MD' dan 12 angka. Halal: nomor sertifikat.",
        "SPP-IRT: 15 digits or more. BPOM MD: 'MD' and 12 digits. Halal: the certificate number.",
    ),
    "permits.kind": ("Jenis", "Kind"),
    "permits.kind.spp-irt": ("SPP-IRT", "SPP-IRT"),
    "permits.kind.bpom-md": ("BPOM MD", "BPOM MD"),
    "permits.kind.halal": ("Sertifikat halal", "Halal certificate"),
    "permits.issuer": ("Penerbit", "Issuer"),
    "permits.issuer.hint": (
        "Wajib untuk SPP-IRT: kabupaten atau kota yang menerbitkan.",
        "Required for an SPP-IRT: the regency or city that issued it.",
    ),
    "permits.issued_on": ("Tanggal terbit", "Issued on"),
    "permits.expires_on": ("Berlaku sampai", "Valid until"),
    "permits.date.hint": ("Contoh: 2026-12-31", "For example: 2026-12-31"),
    "permits.state": ("Keadaan", "State"),
    "permits.registered": ("Terdaftar", "Registered"),
    "permits.revoked": ("Dicabut", "Revoked"),
    "permits.revoke_reason": ("Alasan pencabutan", "Why it was revoked"),
    "permits.submit": ("Daftarkan", "Register"),
    "permits.revoke": ("Cabut izin", "Revoke the permit"),
    "permits.revoke.hint": (
        "Mulai hari ini (WIB) tidak ada pangan yang lulus QC dengan izin ini.",
        "From today (WIB) on, no food passes QC under this permit.",
    ),
    "permits.revoke.submit": ("Cabut", "Revoke"),
}
