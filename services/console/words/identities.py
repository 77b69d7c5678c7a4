"""The Kanwil's identities words: principals, adding one, its secret shown once, revoking."""

from services.console.words.kinds import Words

WORDS: Words = {
    "nav.identities": ("Identitas", "Identities"),
    "identities.title": ("Identitas", "Identities"),
    "identities.intro": (
        "Terminal bengkel, petugas, administrator, staf kanal dan sistem kanal yang boleh masuk.",
        "Workshop terminals, officers, administrators, channel staff and channel systems that "
        "may sign in.",
    ),
    "identities.add": ("Tambah identitas", "Add an identity"),
    "identities.list": ("Semua identitas", "Every identity"),
    "identities.count": (
        "{first} sampai {last} dari {total} identitas",
        "{first} to {last} of {total} identities",
    ),
    "identities.pages": ("Halaman daftar", "Pages of the list"),
    "identities.name": ("Nama", "Name"),
    "identities.role": ("Peran", "Role"),
    "identities.staff": ("Staf kanal (galeri, pameran)", "Channel staff (gallery, expo)"),
    "identities.binding": ("Terikat pada", "Bound to"),
    "identities.state": ("Status", "State"),
    "identities.revoked": ("Dicabut", "Revoked"),
    "identities.revoke": ("Cabut", "Revoke"),
    "identities.revoke.open": ("Cabut {name}", "Revoke {name}"),
    "identities.revoke.title": ("Cabut {name}", "Revoke {name}"),
    "identities.revoke.confirm": (
        "{name} tidak akan bisa masuk lagi; token yang sudah diberikan berakhir dalam "
        "beberapa menit. Yakin?",
        "{name} will not be able to sign in again; tokens already given expire within "
        "minutes. Are you sure?",
    ),
    "identities.revoke.submit": ("Ya, cabut", "Yes, revoke"),
    "identities.revoked.at": ("Dicabut pada {at} UTC.", "Revoked at {at} UTC."),
    "identities.since": ("Dibuat", "Created"),
    "identities.back": ("Kembali ke identitas", "Back to the identities"),
    "identities.new.terminal": ("Tambah terminal", "Add a terminal"),
    "identities.new.terminal.intro": (
        "Tablet sebuah bengkel: masuk dengan ID klien dan rahasianya (daftarkan di halaman "
        "Daftarkan tablet).",
        "A workshop's tablet: it signs in with its client id and secret (enrol it on the "
        "Enrol a tablet page).",
    ),
    "identities.new.person": ("Tambah orang", "Add a person"),
    "identities.new.person.intro": (
        "Petugas QC dan administrator UPT terikat pada UPT-nya, staf kanal pada kanalnya, "
        "administrator Kanwil pada semuanya.",
        "QC officers and UPT administrators are bound to their UPT, channel staff to their "
        "channel, Kanwil administrators to everything.",
    ),
    "identities.new.channel": ("Tambah sistem kanal", "Add a channel system"),
    "identities.new.channel.intro": (
        "Sistem sebuah kanal penjualan (marketplace, e-katalog): masuk dengan ID klien dan "
        "rahasianya.",
        "A sales channel's system (marketplace, e-catalogue): it signs in with its client id "
        "and secret.",
    ),
    "identities.workshop": ("Bengkel", "Workshop"),
    "identities.workshop.hint": ("Kode bengkel, misalnya CLG-SPT.", "Workshop code, e.g. CLG-SPT."),
    "identities.channel": ("Kanal", "Channel"),
    "identities.channel.hint": (
        "Kode kanal, misalnya MARKETPLACE.",
        "Channel code, e.g. MARKETPLACE.",
    ),
    "identities.person_channel.hint": (
        "Untuk staf kanal saja, misalnya GALERI-SERANG.",
        "For channel staff only, e.g. GALERI-SERANG.",
    ),
    "identities.upt": ("UPT", "UPT"),
    "identities.upt.hint": (
        "Untuk petugas QC dan administrator UPT, misalnya CLG.",
        "For QC officers and UPT administrators, e.g. CLG.",
    ),
    "identities.officer_code": ("Kode petugas", "Officer code"),
    "identities.officer_code.hint": (
        "Petugas QC saja; kosongkan untuk kode bebas berikutnya (QC-CLG-01).",
        "QC officers only; leave it blank for the next free code (QC-CLG-01).",
    ),
    "identities.username": ("Nama pengguna", "Username"),
    "identities.username.hint": (
        "Huruf kecil, angka, titik, garis: misalnya qc-clg-2.",
        "Lower-case letters, digits, dots, dashes: e.g. qc-clg-2.",
    ),
    "identities.client_id": ("ID klien", "Client id"),
    "identities.client_id.hint": (
        "Boleh kosong: dibuat dari kodenya.",
        "May be blank: made from its code.",
    ),
    "identities.submit": ("Tambah", "Add"),
    "identities.created": ("Identitas ditambahkan", "Identity added"),
    "identities.created.once": (
        "Catat rahasia di bawah sekarang dan serahkan dengan aman: halaman ini satu-satunya "
        "tempat ia ditampilkan, dan tidak bisa dilihat lagi.",
        "Note the secret below now and hand it over safely: this page is the only place it is "
        "shown, and it cannot be seen again.",
    ),
    "identities.password": ("Kata sandi", "Password"),
    "identities.client_secret": ("Rahasia klien", "Client secret"),
    "identities.error.role": ("Pilih salah satu peran.", "Choose one of the roles."),
    "identities.error.last_admin": (
        "Ini administrator Kanwil aktif terakhir: tambahkan administrator Kanwil lain dulu.",
        "This is the last active Kanwil administrator: add another Kanwil administrator first.",
    ),
}
