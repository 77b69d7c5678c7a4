"""The words every page shares: the frame, signing in, errors, forms."""

from services.console.words.kinds import Words

WORDS: Words = {
    "app.name": (
        "Konsol Jejak",
        "Jejak console",
    ),
    "skip": (
        "Langsung ke isi",
        "Skip to content",
    ),
    "nav.label": (
        "Menu utama",
        "Main menu",
    ),
    "nav.home": (
        "Beranda",
        "Home",
    ),
    "nav.inspections": (
        "Pemeriksaan mutu",
        "Quality inspections",
    ),
    "language.switch": (
        "English",
        "Bahasa Indonesia",
    ),
    "language.switch.label": (
        "Switch to English",
        "Ganti ke Bahasa Indonesia",
    ),
    "sign_in.title": (
        "Masuk",
        "Sign in",
    ),
    "sign_in.username": (
        "Nama pengguna",
        "Username",
    ),
    "sign_in.password": (
        "Kata sandi",
        "Password",
    ),
    "sign_in.submit": (
        "Masuk",
        "Sign in",
    ),
    "sign_in.refused": (
        "Nama pengguna atau kata sandi salah.",
        "Wrong username or password.",
    ),
    "sign_in.missing": (
        "Isi nama pengguna dan kata sandi.",
        "Fill in the username and the password.",
    ),
    "sign_in.needed": (
        "Masuk dulu untuk membuka halaman itu.",
        "Sign in to open that page.",
    ),
    "sign_out": (
        "Keluar",
        "Sign out",
    ),
    "signed_in_as": (
        "Masuk sebagai",
        "Signed in as",
    ),
    "role.qc_officer": (
        "Petugas QC",
        "QC officer",
    ),
    "role.upt_admin": (
        "Admin UPT",
        "UPT administrator",
    ),
    "role.kanwil_admin": (
        "Admin Kanwil",
        "Kanwil administrator",
    ),
    "role.terminal": (
        "Terminal bengkel",
        "Workshop terminal",
    ),
    "role.channel": (
        "Kanal penjualan",
        "Sales channel",
    ),
    "home.title": (
        "Beranda",
        "Home",
    ),
    "home.coming": (
        "Halaman untuk peran Anda belum tersedia di konsol. Sementara itu, gunakan API atau "
        "perintah `jejak`.",
        "The console has no pages for your role yet. Meanwhile, use the API or the `jejak` "
        "command.",
    ),
    "error.not_found": (
        "Halaman atau batch ini tidak ditemukan.",
        "This page or batch was not found.",
    ),
    "error.title": (
        "Tidak bisa ditampilkan",
        "Cannot be shown",
    ),
    "error.forbidden": (
        "Halaman ini bukan untuk peran Anda.",
        "This page is not for your role.",
    ),
    "error.csrf": (
        "Formulir ini kedaluwarsa atau tidak berasal dari konsol. Muat ulang halaman dan coba "
        "lagi.",
        "This form has expired or did not come from the console. Reload the page and try again.",
    ),
    "error.unavailable": (
        "Layanan {service} tidak menjawab. Coba lagi sebentar lagi.",
        "The {service} service does not answer. Try again in a moment.",
    ),
    "error.back": (
        "Kembali ke beranda",
        "Back to the home page",
    ),
    "nav.stock": (
        "Stok",
        "Stock",
    ),
    "nav.sell": (
        "Jual",
        "Sell",
    ),
    "nav.holds": (
        "Penahanan & penarikan",
        "Holds & recalls",
    ),
    "nav.transfers": (
        "Kiriman masuk",
        "Incoming transfers",
    ),
    "form.error.required": (
        "Wajib diisi.",
        "Required.",
    ),
    "form.error.number": (
        "Isi bilangan bulat, 0 atau lebih.",
        "Enter a whole number, 0 or more.",
    ),
    "form.error.refused": (
        "Isian ini ditolak.",
        "This entry was refused.",
    ),
    "form.error.conflict": (
        "Tidak bisa lagi: keadaannya sudah berubah. Muat ulang halaman.",
        "Not any more: things have changed. Reload the page.",
    ),
    "nav.tablet": (
        "Batch hari ini",
        "Today's batches",
    ),
    "nav.enrol": (
        "Daftarkan tablet",
        "Enrol a tablet",
    ),
    "download.receiving": (
        "Mengunduh berkas…",
        "Downloading the file…",
    ),
    "download.saved": (
        "Tersimpan: {name}.",
        "Saved: {name}.",
    ),
    "download.failed": (
        "Berkas tidak dapat diunduh (HTTP {status}).",
        "The file could not be downloaded (HTTP {status}).",
    ),
    "download.offline": (
        "Berkas tidak dapat diunduh: tidak ada jaringan atau layanan tidak menjawab. Coba lagi.",
        "The file could not be downloaded: no network, or the service did not answer. Try again.",
    ),
}
