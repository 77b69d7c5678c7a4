"""The Kanwil's master data words: UPTs, workshops, products, locations and channels, their
columns, and the import of a CSV or XLSX file with its progress."""

from services.console.words.kinds import Words

WORDS: Words = {
    "nav.master": ("Data induk", "Master data"),
    "master.title": ("Data induk", "Master data"),
    "master.intro": (
        "UPT, bengkel, produk, lokasi dan kanal: lihat, ubah satu per satu, atau impor dari "
        "berkas CSV atau XLSX.",
        "UPTs, workshops, products, locations and channels: look them up, change one at a "
        "time, or import a CSV or XLSX file.",
    ),
    "master.kind.upts": ("UPT", "UPTs"),
    "master.kind.workshops": ("Bengkel", "Workshops"),
    "master.kind.products": ("Produk", "Products"),
    "master.kind.locations": ("Lokasi", "Locations"),
    "master.kind.channels": ("Kanal penjualan", "Sales channels"),
    "master.new.upts": ("UPT baru", "New UPT"),
    "master.new.workshops": ("Bengkel baru", "New workshop"),
    "master.new.products": ("Produk baru", "New product"),
    "master.new.locations": ("Lokasi baru", "New location"),
    "master.new.channels": ("Kanal baru", "New channel"),
    "master.back": ("Kembali ke data induk", "Back to master data"),
    "master.back_to": ("Kembali ke {kind}", "Back to {kind}"),
    "master.new": ("Tambah", "Add"),
    "master.count": (
        "{count} seluruhnya; ini nomor {first} sampai {last}",
        "{count} in all; these are {first} to {last}",
    ),
    "master.pages": ("Halaman daftar", "Pages of the list"),
    "master.none": ("Belum ada data.", "Nothing here yet."),
    "master.yes": ("Ya", "Yes"),
    "master.no": ("Tidak", "No"),
    "master.save": ("Simpan", "Save"),
    "master.error.exists": (
        "Kode ini sudah ada: ubah lewat halamannya.",
        "This code exists already: change it on its own page.",
    ),
    "master.list.hint": ("Pisahkan dengan koma.", "Separate them with commas."),
    "master.column.code": ("Kode", "Code"),
    "master.column.name": ("Nama", "Name"),
    "master.column.kind": ("Jenis", "Kind"),
    "master.column.class": ("Kelas", "Class"),
    "master.column.upt_code": ("Kode UPT", "UPT code"),
    "master.column.families": ("Keluarga produk", "Product families"),
    "master.column.sku": ("SKU", "SKU"),
    "master.column.family": ("Keluarga produk", "Product family"),
    "master.column.tracking": ("Pelacakan (unit/lot)", "Tracking (unit/lot)"),
    "master.column.unit_of_measure": ("Satuan", "Unit of measure"),
    "master.column.price_idr": ("Harga (Rp)", "Price (IDR)"),
    "master.column.gtin": ("GTIN sendiri", "Own GTIN"),
    "master.column.label_gtin": ("GTIN pada label", "GTIN on the labels"),
    "master.column.shelf_life_days": ("Masa simpan (hari)", "Shelf life (days)"),
    "master.column.food_permit": ("Izin pangan", "Food permit"),
    "master.column.active": ("Aktif", "Active"),
    "master.column.address": ("Alamat", "Address"),
    "master.column.owner": ("Pemilik", "Owner"),
    "master.column.locations": ("Lokasi", "Locations"),
    "import.title.upts": ("Impor UPT", "Import UPTs"),
    "import.title.workshops": ("Impor bengkel", "Import workshops"),
    "import.title.products": ("Impor produk", "Import products"),
    "import.title.locations": ("Impor lokasi", "Import locations"),
    "import.title.channels": ("Impor kanal", "Import channels"),
    "import.intro": (
        "Semua baris atau tidak sama sekali: satu baris salah, tidak ada yang diubah, dan setiap "
        "baris salah disebutkan dengan kolom dan alasannya. Mengimpor berkas yang sama lagi "
        "tidak mengubah apa pun.",
        "All rows or none: one bad row and nothing changes, and every bad row is listed with "
        "its column and reason. Importing the same file again changes nothing.",
    ),
    "import.columns": ("Kolom (baris pertama; * wajib):", "Columns (the first row; * required):"),
    "import.file": ("Berkas CSV atau XLSX", "CSV or XLSX file"),
    "import.file.hint": (
        "Baris pertama berisi nama kolom, seperti hasil ekspor jejak catalogue export.",
        "The first row names the columns, as jejak catalogue export writes them.",
    ),
    "import.dry_run": (
        "Periksa saja, jangan simpan apa pun",
        "Only check, write nothing",
    ),
    "import.dry_run.short": ("hanya diperiksa", "checked only"),
    "import.allow_moves": (
        "Izinkan pindah UPT atau ganti pelacakan",
        "Allow moving to another UPT or changing tracking",
    ),
    "import.allow_moves.hint": (
        "Tanpa ini, baris yang memindahkan produk ke UPT lain atau mengganti unit/lot ditolak.",
        "Without it, a row moving a product to another UPT or between unit and lot is refused.",
    ),
    "import.submit": ("Impor", "Import"),
    "import.again": ("Impor berkas lain", "Import another file"),
    "import.error.no_file": ("Pilih berkas CSV atau XLSX.", "Choose a CSV or XLSX file."),
    "import.error.format": (
        "Berkas harus berakhiran .csv atau .xlsx.",
        "The file must end in .csv or .xlsx.",
    ),
    "import.error.too_big": (
        "Berkas terlalu besar (maksimal 16 MB).",
        "The file is too big (16 MB at most).",
    ),
    "import.status.reading": ("Membaca berkas…", "Reading the file…"),
    "import.status.checking": ("Memeriksa baris…", "Checking the rows…"),
    "import.status.applying": (
        "Menyimpan semua baris sekaligus…",
        "Writing every row at once…",
    ),
    "import.status.done": ("Selesai: tersimpan.", "Done: written."),
    "import.status.checked": ("Diperiksa: semua baris baik.", "Checked: every row is good."),
    "import.status.refused": (
        "Ditolak: tidak ada yang diubah.",
        "Refused: nothing was changed.",
    ),
    "import.status.failed": ("Gagal.", "Failed."),
    "import.status.failed.detail": (
        "Layanan tidak menjawab atau gagal; tidak ada yang diubah jika belum sampai tahap "
        "menyimpan. Coba lagi: mengimpor berkas yang sama tidak mengubah apa yang sudah benar.",
        "A service did not answer or failed; nothing changed unless it was writing. Try again: "
        "importing the same file changes nothing that is already so.",
    ),
    "import.status.interrupted": ("Terhenti.", "Interrupted."),
    "import.status.interrupted.detail": (
        "Konsol berhenti selama impor. Periksa daftarnya, lalu impor berkas yang sama lagi: "
        "semua baris tersimpan atau tidak ada sama sekali.",
        "The console stopped during the import. Look at the list, then import the same file "
        "again: either every row was written or none.",
    ),
    "import.checked": ("{checked} dari {rows} baris diperiksa", "{checked} of {rows} rows checked"),
    "import.result.done": (
        "{created} ditambahkan, {updated} diubah, {unchanged} tetap.",
        "{created} added, {updated} changed, {unchanged} unchanged.",
    ),
    "import.result.checked": (
        "Akan ditambahkan {created}, diubah {updated}, tetap {unchanged}. Belum ada yang disimpan.",
        "{created} would be added, {updated} changed, {unchanged} unchanged. Nothing is "
        "written yet.",
    ),
    "import.refused": (
        "{count} masalah; perbaiki di berkas lalu impor lagi.",
        "{count} problems; fix them in the file and import it again.",
    ),
    "import.problems": ("Masalah per baris", "Problems by row"),
    "import.row": ("Baris", "Row"),
    "import.column": ("Kolom", "Column"),
    "import.reason": ("Alasan", "Reason"),
    "import.whole_file": ("berkas", "file"),
}
