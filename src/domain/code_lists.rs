//! Code lists small enough to keep in the source.

/// ISO 639-1: the two-letter language codes (184).
pub(crate) const ISO_639_1: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da",
    "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr",
    "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj",
    "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln",
    "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb",
    "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi",
    "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk",
    "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti",
    "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo",
    "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// ISO 639-3 codes of languages spoken in the region that have no two-letter code: the Sami
/// languages, the national minority languages, and common languages of newcomers.
pub(crate) const ISO_639_3_EXTRA: &[&str] = &[
    "sma", "smj", "sju", "sje", "smn", "sms", "fit", "fkv", "rmu", "rmf", "rom", "yid", "prs",
    "ckb", "kmr", "tir", "aii", "syc", "apc", "arz", "ary", "acm", "ajp", "hbs", "cnr", "ber",
    "kab", "zgh", "ful", "mnk", "wol", "orm", "sid", "hzg", "bsk", "glk", "lrc", "ssp", "swl",
    "nsl", "fse", "bfi", "ase",
];
