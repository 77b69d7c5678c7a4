"""The console's words, Indonesian first and English by the switch (`?lang=` or the cookie it
sets). Every text a page shows is here, under one key, in both languages; a test checks that
neither language lacks a key."""

from collections.abc import Callable
from typing import Literal, get_args

from fastapi import Request

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
LANGUAGE_COOKIE = "jejak_lang"

MESSAGES: dict[Language, dict[str, str]] = {
    "id": {
        "app.name": "Konsol Jejak",
        "skip": "Langsung ke isi",
        "nav.label": "Menu utama",
        "nav.home": "Beranda",
        "nav.inspections": "Pemeriksaan mutu",
        "language.switch": "English",
        "language.switch.label": "Switch to English",
        "sign_in.title": "Masuk",
        "sign_in.username": "Nama pengguna",
        "sign_in.password": "Kata sandi",
        "sign_in.submit": "Masuk",
        "sign_in.refused": "Nama pengguna atau kata sandi salah.",
        "sign_in.missing": "Isi nama pengguna dan kata sandi.",
        "sign_in.needed": "Masuk dulu untuk membuka halaman itu.",
        "sign_out": "Keluar",
        "signed_in_as": "Masuk sebagai",
        "role.qc_officer": "Petugas QC",
        "role.upt_admin": "Admin UPT",
        "role.kanwil_admin": "Admin Kanwil",
        "role.terminal": "Terminal bengkel",
        "role.channel": "Kanal penjualan",
        "home.title": "Beranda",
        "home.coming": "Halaman untuk peran Anda belum tersedia di konsol. Sementara itu, "
        "gunakan API atau perintah `jejak`.",
        "inspections.title": "Pemeriksaan yang menunggu",
        "inspections.intro": "Batch yang selesai diproduksi di UPT {upt}, yang terlama di atas.",
        "inspections.none": "Tidak ada pemeriksaan yang menunggu.",
        "inspections.reload": "Muat ulang",
        "inspections.count": "{count} menunggu",
        "inspections.lot": "Lot",
        "inspections.product": "Produk",
        "inspections.quantity": "Jumlah",
        "inspections.made": "Diproduksi",
        "inspections.tracking.unit": "dilacak per unit",
        "inspections.tracking.lot": "dilacak per lot",
        "inspections.open": "Periksa lot {lot}",
        "sign_off.title": "Tanda tangan QC",
        "sign_off.back": "Kembali ke antrean",
        "sign_off.passed": "Jumlah lulus",
        "sign_off.rejected": "Jumlah ditolak",
        "sign_off.defects": "Cacat per kode",
        "sign_off.defects.hint": "Untuk tiap kode cacat yang ditemukan, isi jumlah unit yang "
        "ditolak.",
        "sign_off.serials": "Nomor seri yang ditolak ({code})",
        "sign_off.serials.hint": "Satu nomor seri per unit yang ditolak, dipisah spasi atau koma.",
        "sign_off.lot_serials": "Nomor seri lot ini",
        "sign_off.submit": "Tanda tangani",
        "sign_off.done": "Sudah ditandatangani oleh {officer}: {passed} lulus, {rejected} ditolak.",
        "sign_off.error.number": "Isi bilangan bulat, 0 atau lebih.",
        "sign_off.error.sum": "Lulus {passed} + ditolak {rejected} = {total}, tetapi batch ini "
        "berisi {quantity}.",
        "sign_off.error.rejections": "Jumlah per kode cacat ({listed}) harus sama dengan jumlah "
        "ditolak ({rejected}).",
        "sign_off.error.serials": "Nomor seri tidak cocok: tiap unit yang ditolak perlu satu "
        "nomor seri dari lot ini, masing-masing sekali.",
        "sign_off.error.defect": "Kode cacat ini tidak diterima untuk produk ini.",
        "sign_off.error.other": "Layanan mutu menolak tanda tangan ini.",
        "sign_off.error.signed_off": "Batch ini sudah ditandatangani. Muat ulang halaman.",
        "error.not_found": "Halaman atau batch ini tidak ditemukan.",
        "error.title": "Tidak bisa ditampilkan",
        "error.forbidden": "Halaman ini bukan untuk peran Anda.",
        "error.csrf": "Formulir ini kedaluwarsa atau tidak berasal dari konsol. Muat ulang "
        "halaman dan coba lagi.",
        "error.unavailable": "Layanan {service} tidak menjawab. Coba lagi sebentar lagi.",
        "error.back": "Kembali ke beranda",
    },
    "en": {
        "app.name": "Jejak console",
        "skip": "Skip to content",
        "nav.label": "Main menu",
        "nav.home": "Home",
        "nav.inspections": "Quality inspections",
        "language.switch": "Bahasa Indonesia",
        "language.switch.label": "Ganti ke Bahasa Indonesia",
        "sign_in.title": "Sign in",
        "sign_in.username": "Username",
        "sign_in.password": "Password",
        "sign_in.submit": "Sign in",
        "sign_in.refused": "Wrong username or password.",
        "sign_in.missing": "Fill in the username and the password.",
        "sign_in.needed": "Sign in to open that page.",
        "sign_out": "Sign out",
        "signed_in_as": "Signed in as",
        "role.qc_officer": "QC officer",
        "role.upt_admin": "UPT administrator",
        "role.kanwil_admin": "Kanwil administrator",
        "role.terminal": "Workshop terminal",
        "role.channel": "Sales channel",
        "home.title": "Home",
        "home.coming": "The console has no pages for your role yet. Meanwhile, use the API or "
        "the `jejak` command.",
        "inspections.title": "Pending inspections",
        "inspections.intro": "Batches completed at UPT {upt}, the oldest first.",
        "inspections.none": "No inspection is waiting.",
        "inspections.reload": "Reload",
        "inspections.count": "{count} waiting",
        "inspections.lot": "Lot",
        "inspections.product": "Product",
        "inspections.quantity": "Quantity",
        "inspections.made": "Made",
        "inspections.tracking.unit": "tracked per unit",
        "inspections.tracking.lot": "tracked per lot",
        "inspections.open": "Inspect lot {lot}",
        "sign_off.title": "QC sign-off",
        "sign_off.back": "Back to the queue",
        "sign_off.passed": "Passed",
        "sign_off.rejected": "Rejected",
        "sign_off.defects": "Defects by code",
        "sign_off.defects.hint": "For each defect code found, enter how many units it rejects.",
        "sign_off.serials": "Serials rejected ({code})",
        "sign_off.serials.hint": "One serial per rejected unit, separated by spaces or commas.",
        "sign_off.lot_serials": "Serials of this lot",
        "sign_off.submit": "Sign off",
        "sign_off.done": "Signed off by {officer}: {passed} passed, {rejected} rejected.",
        "sign_off.error.number": "Enter a whole number, 0 or more.",
        "sign_off.error.sum": "{passed} passed + {rejected} rejected = {total}, but this batch "
        "has {quantity}.",
        "sign_off.error.rejections": "The defects by code ({listed}) must add up to the "
        "rejected ({rejected}).",
        "sign_off.error.serials": "These serials do not fit: each rejected unit needs one serial "
        "of this lot, each once.",
        "sign_off.error.defect": "This defect code is not accepted for this product.",
        "sign_off.error.other": "The quality service refused this sign-off.",
        "sign_off.error.signed_off": "This batch is signed off already. Reload the page.",
        "error.not_found": "This page or batch was not found.",
        "error.title": "Cannot be shown",
        "error.forbidden": "This page is not for your role.",
        "error.csrf": "This form has expired or did not come from the console. Reload the "
        "page and try again.",
        "error.unavailable": "The {service} service does not answer. Try again in a moment.",
        "error.back": "Back to the home page",
    },
}


def language_of(request: Request) -> Language:
    """`?lang=` first (the switch's link), then the cookie it left, else Indonesian."""
    for asked in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if asked in LANGUAGES:
            return asked
    return "id"


def translator(language: Language) -> Callable[..., str]:
    """t("key", name=value): the text in `language`, with its {name} fields filled."""
    words = MESSAGES[language]

    def t(key: str, **fields: object) -> str:
        text = words[key]
        return text.format(**fields) if fields else text

    return t
