"""The workshop tablet's words: its batches, the offline queue, enrolment."""

from services.console.words.kinds import Words

WORDS: Words = {
    "enrol.title": (
        "Daftarkan tablet bengkel",
        "Enrol a workshop tablet",
    ),
    "enrol.intro": (
        "Masukkan client id dan secret terminal bengkel di tablet ini. Setelah itu tablet "
        "bekerja sebagai terminal bengkel itu dan sesi admin Anda di sini berakhir.",
        "Enter the workshop terminal's client id and secret on this tablet. It then works as "
        "that terminal, and your administrator session here ends.",
    ),
    "enrol.client_id": (
        "Client id terminal",
        "Terminal client id",
    ),
    "enrol.client_secret": (
        "Client secret terminal",
        "Terminal client secret",
    ),
    "enrol.submit": (
        "Daftarkan",
        "Enrol",
    ),
    "enrol.error.missing": (
        "Isi client id dan secret terminal.",
        "Fill in the terminal's client id and secret.",
    ),
    "enrol.error.refused": (
        "Layanan identitas menolak client id atau secret ini.",
        "The identity service refused this client id or secret.",
    ),
    "enrol.error.not_terminal": (
        "Kredensial ini bukan milik terminal bengkel.",
        "These credentials are not a workshop terminal's.",
    ),
    "enrol.error.other_upt": (
        "Terminal ini milik bengkel UPT lain.",
        "This terminal belongs to a workshop of another UPT.",
    ),
    "tablet.title": (
        "Batch hari ini",
        "Today's batches",
    ),
    "tablet.intro": (
        "Bengkel {workshop}.",
        "Workshop {workshop}.",
    ),
    "tablet.open_batches": (
        "Batch terbuka",
        "Open batches",
    ),
    "tablet.none_open": (
        "Belum ada batch terbuka.",
        "No batch is open.",
    ),
    "tablet.completed_batches": (
        "Baru selesai (label)",
        "Just completed (labels)",
    ),
    "tablet.made_so_far": (
        "{quantity} dibuat",
        "{quantity} made",
    ),
    "tablet.open": (
        "Buka batch",
        "Open a batch",
    ),
    "tablet.open.submit": (
        "Buka batch",
        "Open the batch",
    ),
    "tablet.product": (
        "Produk",
        "Product",
    ),
    "tablet.back": (
        "Kembali ke batch hari ini",
        "Back to today's batches",
    ),
    "tablet.queued.title": (
        "Batch dalam antrean",
        "A queued batch",
    ),
    "tablet.queued.product": (
        "{name} (dalam antrean)",
        "{name} (queued)",
    ),
    "tablet.queued.intro": (
        "Batch ini dibuka tanpa jaringan dan menunggu di antrean. Hasil dan penyelesaian yang "
        "dicatat di sini dikirim sesudah pembukaannya, berurutan.",
        "This batch was opened without the network and waits in the queue. Output and the "
        "completion recorded here are sent after its opening, in order.",
    ),
    "tablet.queued.recorded": (
        "{count} dicatat, menunggu dikirim.",
        "{count} recorded, waiting to be sent.",
    ),
    "tablet.queued.missing": (
        "Batch ini tidak ada di antrean tablet ini.",
        "This batch is not in this tablet's queue.",
    ),
    "tablet.queued.completing": (
        "Penyelesaian batch ini menunggu di antrean, sesudah hasilnya.",
        "The completion of this batch waits in the queue, after its output.",
    ),
    "tablet.queued.refused": (
        "Pembukaan batch ini ditolak (alasannya di antrean): yang dicatat untuknya tidak dikirim.",
        "Opening this batch was refused (the reason is in the queue): what was recorded for it "
        "is not sent.",
    ),
    "tablet.status": (
        "Status",
        "Status",
    ),
    "tablet.status.open": (
        "terbuka",
        "open",
    ),
    "tablet.status.completed": (
        "selesai",
        "completed",
    ),
    "tablet.output": (
        "Catat hasil",
        "Record output",
    ),
    "tablet.quantity": (
        "Jumlah yang dibuat",
        "Pieces made",
    ),
    "tablet.worker_codes": (
        "Kode pekerja",
        "Worker codes",
    ),
    "tablet.worker_codes.hint": (
        "Kode, bukan nama: misalnya WB-CN7Q2, dipisah spasi.",
        "Codes, not names: WB-CN7Q2 say, separated by spaces.",
    ),
    "tablet.output.submit": (
        "Catat",
        "Record",
    ),
    "tablet.complete": (
        "Selesaikan batch",
        "Complete the batch",
    ),
    "tablet.complete.submit": (
        "Selesaikan",
        "Complete",
    ),
    "tablet.dates.hint": (
        "Kosongkan untuk memakai hari ini dan masa simpan produk.",
        "Leave empty for today and the product's shelf life.",
    ),
    "tablet.production_date": (
        "Tanggal produksi",
        "Production date",
    ),
    "tablet.best_before": (
        "Baik digunakan sebelum",
        "Best before",
    ),
    "tablet.labels": (
        "Cetak lembar label (PDF)",
        "Print the label sheet (PDF)",
    ),
    "tablet.labels.preparing": (
        "Menyiapkan {count} label…",
        "Preparing {count} labels…",
    ),
    "tablet.labels.not_yet": (
        "Label baru ada setelah batch selesai.",
        "Labels exist once the batch is completed.",
    ),
    "tablet.error.form": (
        "Layanan produksi menolak kiriman ini.",
        "The production service refused this submission.",
    ),
    "tablet.error.sku": (
        "Pilih produk yang dibuat bengkel ini.",
        "Choose a product this workshop makes.",
    ),
    "tablet.error.number": (
        "Isi bilangan bulat lebih dari 0.",
        "Enter a whole number above 0.",
    ),
    "tablet.error.worker_codes": (
        "Isi kode pekerja (WB-...), masing-masing sekali.",
        "Enter the worker codes (WB-...), each once.",
    ),
    "queue.title": (
        "Antrean kiriman",
        "Submissions queue",
    ),
    "queue.count": (
        "{count} menunggu",
        "{count} waiting",
    ),
    "queue.waiting": (
        "menunggu",
        "waiting",
    ),
    "queue.sent": (
        "terkirim",
        "sent",
    ),
    "queue.refused": (
        "ditolak",
        "refused",
    ),
    "queue.blocked": (
        "Batchnya tidak dibuka: pembukaannya ditolak, jadi ini tidak dikirim.",
        "Its batch was not opened: the opening was refused, so this was not sent.",
    ),
    "queue.page": (
        "Buka halamannya",
        "Open its page",
    ),
    "queue.remove": (
        "Hapus",
        "Remove",
    ),
    "queue.offline": (
        "Tidak ada jaringan: kiriman disimpan di tablet dan dikirim saat jaringan kembali.",
        "No network: submissions are kept on this tablet and sent when it comes back.",
    ),
}
