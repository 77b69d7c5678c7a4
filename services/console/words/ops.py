"""The Kanwil's operational view words: consumer groups, dead letters, their retry."""

from services.console.words.kinds import Words

WORDS: Words = {
    "nav.ops": ("Operasional", "Operations"),
    "ops.title": ("Operasional", "Operations"),
    "ops.intro": (
        "Antrean tiap layanan: yang belum terbaca, yang belum selesai, dan entri yang "
        "disisihkan (surat mati) beserta alasannya.",
        "Each service's queues: what is not yet read, what is not yet done, and the entries "
        "set aside (dead letters) with their reasons.",
    ),
    "ops.groups": ("Grup konsumen", "Consumer groups"),
    "ops.service": ("Layanan", "Service"),
    "ops.stream": ("Aliran", "Stream"),
    "ops.lag": ("Belum terbaca", "Lag"),
    "ops.pending": ("Tertunda", "Pending"),
    "ops.consumers": ("Konsumen", "Consumers"),
    "ops.oldest": ("Tertunda terlama", "Oldest pending"),
    "ops.seconds": ("{seconds} dtk", "{seconds} s"),
    "ops.letters": ("Surat mati", "Dead letters"),
    "ops.letters.count": (
        "{shown} ditampilkan dari {total} surat mati",
        "{shown} shown of {total} dead letters",
    ),
    "ops.letters.none": ("Tidak ada surat mati.", "No dead letters."),
    "ops.reason.malformed": (
        "Rusak: bukan peristiwa yang bisa dibaca",
        "Malformed: not a readable event",
    ),
    "ops.reason.invalid": (
        "Tidak sah: melanggar kontraknya",
        "Invalid: breaks its contract",
    ),
    "ops.reason.max_deliveries": (
        "Gagal diterapkan berulang kali",
        "Failed to apply again and again",
    ),
    "ops.when": ("Disisihkan", "Set aside"),
    "ops.event": ("Peristiwa", "Event"),
    "ops.error": ("Kesalahan", "Error"),
    "ops.retry": ("Coba lagi", "Retry"),
    "ops.retry.label": ("Coba lagi surat mati {letter}", "Retry dead letter {letter}"),
    "ops.replayed": (
        "Surat mati {letter} dicoba lagi: entrinya dibaca ulang dari alirannya dan diterapkan.",
        "Dead letter {letter} retried: its entry was read again from its stream and applied.",
    ),
    "ops.error.refused": (
        "Tidak dicoba lagi.",
        "Not retried.",
    ),
    "ops.error.gone": (
        "Surat mati ini sudah tidak ada (sudah dicoba lagi atau dibuang).",
        "This dead letter is no longer there (already retried or dropped).",
    ),
    "ops.unavailable": (
        "Layanan {service} tidak menjawab: antreannya tidak ditampilkan.",
        "Service {service} does not answer: its queues are not shown.",
    ),
}
