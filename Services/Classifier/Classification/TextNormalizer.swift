/// Persian and English text as people really type it, reduced to one spelling so that the same words give
/// the same features: Arabic `ي`/`ك` and other letter variants become the Persian letters, Persian and
/// Arabic-Indic digits become Latin digits, diacritics, tatweel and invisible marks go, the zero-width
/// non-joiner joins the parts of a word, and so does a space after the verb prefixes `می`/`نمی` or before
/// the plural `ها`/`های` (`می‌شوند`, `می شوند`, `میشوند` → `میشوند`; `بچه‌ها`, `بچه ها` → `بچهها`),
/// punctuation becomes a space, and Latin is lower-cased and folded so that common Finglish spellings meet
/// (`koodak`/`kudak`, `madreseh`/`madrese`, `ghadim`/`qadim`).
public enum TextNormalizer {
    /// The normalised text: words separated by single spaces, no leading or trailing space.
    public static func normalize(_ text: String) -> String {
        words(of: text).map { String(String.UnicodeScalarView($0)) }.joined(separator: " ")
    }

    /// The normalised words of `text`, each as Unicode scalars (for terms and tests; reports go through
    /// `scan`, which builds no array per word).
    public static func words(of text: String) -> [[Unicode.Scalar]] {
        var squashed: [Unicode.Scalar] = []
        var ranges: [Range<Int>] = []
        scan(text, into: &squashed) { start, end in ranges.append(start..<end) }
        return ranges.map { Array(squashed[$0]) }
    }

    /// Verb prefixes written apart from their verb as often as joined to it.
    static let detachedPrefixes: [[Unicode.Scalar]] = ["می", "نمی"].map { Array($0.unicodeScalars) }
    /// Plural endings written apart from their noun as often as joined to it.
    static let detachedSuffixes: [[Unicode.Scalar]] = ["ها", "های", "هایی", "هایش", "هایشان", "هایمان", "هایتان"]
        .map { Array($0.unicodeScalars) }

    /// Appends the normalised words of `text` to `squashed`, one after another without separators, and
    /// calls `word` with each word's range in it (a detached prefix or plural ending is reported as part
    /// of its neighbour). Latin words are folded in place when they end (folding only shortens), so the
    /// hot path allocates nothing per word.
    static func scan(_ text: String, into squashed: inout [Unicode.Scalar], word: (_ start: Int, _ end: Int) -> Void) {
        var start = squashed.count
        var currentIsLatin = false
        // The last word, reported only once the next one shows whether it joins it.
        var pending: (start: Int, end: Int, isLatin: Bool, isPrefix: Bool)?

        func finish() {
            guard squashed.count > start else { return }
            if currentIsLatin { foldLatin(&squashed, from: start) }
            let end = squashed.count
            if let last = pending, !last.isLatin, !currentIsLatin,
               last.isPrefix || matches(squashed, start, end, detachedSuffixes) {
                pending = (last.start, end, false, false)
            } else {
                if let last = pending { word(last.start, last.end) }
                pending = (start, end, currentIsLatin, !currentIsLatin && matches(squashed, start, end, detachedPrefixes))
            }
            start = end
        }

        for scalar in text.unicodeScalars {
            switch map(scalar) {
            case .drop:
                continue
            case .separator:
                finish()
            case .letter(let mapped):
                // A word that switches between Persian and Latin letters or digits (`مهد5`) is split, so
                // Finglish folding touches Latin only.
                let isLatin = mapped.isASCII
                if squashed.count > start, isLatin != currentIsLatin { finish() }
                currentIsLatin = isLatin
                squashed.append(mapped)
            }
        }
        finish()
        if let last = pending { word(last.start, last.end) }
    }

    /// Whether `text[start..<end]` is one of `words`.
    @inline(__always)
    static func matches(_ text: [Unicode.Scalar], _ start: Int, _ end: Int, _ words: [[Unicode.Scalar]]) -> Bool {
        guard end - start <= 6 else { return false }
        for candidate in words where candidate.count == end - start && text[start..<end].elementsEqual(candidate) { return true }
        return false
    }

    /// What one input scalar becomes.
    enum Mapped: Equatable {
        /// Invisible or diacritic: removed without splitting the word.
        case drop
        /// Space or punctuation: ends the word.
        case separator
        /// A letter or digit of the normalised text.
        case letter(Unicode.Scalar)
    }

    static func map(_ scalar: Unicode.Scalar) -> Mapped {
        let value = scalar.value
        switch value {
        case 0x30...0x39, 0x61...0x7A: return .letter(scalar)
        case 0x41...0x5A: return .letter(Unicode.Scalar(value + 0x20)!)
        case 0x06F0...0x06F9: return .letter(Unicode.Scalar(value - 0x06F0 + 0x30)!)  // Persian digits
        case 0x0660...0x0669: return .letter(Unicode.Scalar(value - 0x0660 + 0x30)!)  // Arabic-Indic digits
        case 0x064A, 0x0649, 0x0626, 0x06D2: return .letter("\u{06CC}")  // ي ى ئ ے → ی
        case 0x0643, 0x06A9: return .letter("\u{06A9}")  // ك → ک
        case 0x0629, 0x06C0, 0x06C1, 0x06D5: return .letter("\u{0647}")  // ة ۀ ہ ە → ه
        case 0x0623, 0x0625, 0x0671, 0x0622: return .letter("\u{0627}")  // أ إ ٱ آ → ا
        case 0x0624: return .letter("\u{0648}")  // ؤ → و
        case 0x0621: return .drop  // a lone hamza is spelled or left out alike
        case 0x0640: return .drop  // tatweel
        case 0x064B...0x065F, 0x0670, 0x0610...0x061A, 0x06D6...0x06ED: return .drop  // diacritics
        case 0x200C, 0x200D, 0x200E, 0x200F, 0x00AD, 0xFEFF, 0x2060, 0x202A...0x202E: return .drop  // ZWNJ, ZWJ, marks
        case 0x0627...0x063A, 0x0641...0x0648, 0x067E, 0x0686, 0x0698, 0x06AF, 0x06CC: return .letter(scalar)
        case 0x00C0...0x024F:
            // Latin with accents (é, ā, â): the base letter, so transliterations with macrons meet plain ones.
            return latinBase(scalar).map { .letter($0) } ?? .separator
        case 0x27, 0x2019, 0x2018, 0x60, 0xB4:
            return .drop  // apostrophes inside Finglish words (ba'd, ma'mur)
        default:
            return .separator
        }
    }

    static func latinBase(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        let decomposed = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
        guard let base = decomposed.first, base.isASCII, base.properties.isAlphabetic else { return nil }
        return Unicode.Scalar(base.value | 0x20)
    }

    /// Folds the spelling variants of Finglish (and, harmlessly, English) so that transliterations meet:
    /// doubled letters single, `oo`/`ou` → `u`, `ee` → `i`, `gh` → `q`, `w` → `v`, a final `eh` → `e`.
    static func foldLatin(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var copy = word
        foldLatin(&copy, from: 0)
        return copy
    }

    /// Folds the Latin word `text[start...]` (lower-case ASCII letters and digits) in place and drops what
    /// it no longer needs; it writes at or before where it reads, so one pass is enough.
    static func foldLatin(_ text: inout [Unicode.Scalar], from start: Int) {
        let end = text.count
        @inline(__always) func isLetter(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x61 && scalar.value <= 0x7A }
        var hasLetter = false
        for index in start..<end where isLetter(text[index]) {
            hasLetter = true
            break
        }
        guard hasLetter else { return }
        var read = start
        var write = start
        while read < end {
            let scalar = text[read]
            let next: Unicode.Scalar? = read + 1 < end ? text[read + 1] : nil
            var folded: Unicode.Scalar?
            var consumed = 1
            switch (scalar, next) {
            case ("o", "o"?), ("o", "u"?): folded = "u"; consumed = 2
            case ("e", "e"?): folded = "i"; consumed = 2
            case ("g", "h"?): folded = "q"; consumed = 2
            case ("e", "h"?) where read + 2 == end: folded = "e"; consumed = 2
            case ("w", _): folded = "v"
            default: break
            }
            read += consumed
            if let folded {
                text[write] = folded
                write += 1
            } else if write == start || text[write - 1] != scalar || !isLetter(scalar) {
                text[write] = scalar
                write += 1
            }
        }
        text.removeSubrange(write..<end)
    }
}
