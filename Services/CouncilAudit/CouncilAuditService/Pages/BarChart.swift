import WebPages

/// A horizontal (stacked) bar chart drawn by the server as inline SVG: no script, nothing loaded from
/// elsewhere, and it prints. Right to left in Persian (labels on the right, bars growing leftwards).
/// Colours are presentation attributes, not styles (the pages' CSP allows no inline style). Every chart
/// goes out with its numbers in a table beside it; the SVG itself is one image with a name
/// (`role="img"`, `aria-label`).
struct BarChart {
    /// One bar: its label and one value per series (stacked in series order).
    struct Bar {
        /// The bar's label.
        var label: String
        /// One value per series.
        var values: [Int]
    }

    /// The bars, top to bottom.
    var bars: [Bar]
    /// What the chart shows (its accessible name).
    var title: String

    /// The series' colours, told apart without colour vision too (they differ in lightness), in order.
    static let palette = ["#1f5f8b", "#e08a1e", "#4d8b31", "#8e3b87", "#c23b3b", "#5f5f5f", "#2a9d8f", "#a07800"]

    private static let width = 640
    private static let labelWidth = 200
    private static let valueWidth = 56
    private static let rowHeight = 26
    private static let barHeight = 16

    /// The chart as SVG markup, labels and totals in `language`'s digits.
    func svg(_ language: PageLanguage) -> String {
        let rtl = language == .fa
        let height = max(1, bars.count) * Self.rowHeight + 8
        let area = Double(Self.width - Self.labelWidth - Self.valueWidth - 16)
        let largest = max(1, bars.map { $0.values.reduce(0, +) }.max() ?? 1)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(Self.width) \(height)\" role=\"img\" "
            + "aria-label=\"\(Self.escape(title))\" direction=\"ltr\" font-size=\"12\">"
        for (row, bar) in bars.enumerated() {
            let top = 4 + row * Self.rowHeight
            let middle = top + Self.rowHeight / 2 + 4
            let label = bar.label.count > 32 ? String(bar.label.prefix(31)) + "…" : bar.label
            // The label's own edge: right of the chart in Persian, left in English (the SVG is laid out LTR).
            let labelX = rtl ? Self.width - 4 : 4
            svg += "<text x=\"\(labelX)\" y=\"\(middle)\" text-anchor=\"\(rtl ? "end" : "start")\" fill=\"#1a1a1a\">\(Self.escape(label))</text>"
            let origin = Double(rtl ? Self.width - Self.labelWidth - 8 : Self.labelWidth + 8)
            var offset = 0.0
            for (series, value) in bar.values.enumerated() where value > 0 {
                let length = max(1, area * Double(value) / Double(largest))
                let x = rtl ? origin - offset - length : origin + offset
                svg += "<rect x=\"\(Self.format(x))\" y=\"\(top + (Self.rowHeight - Self.barHeight) / 2)\" width=\"\(Self.format(length))\" "
                    + "height=\"\(Self.barHeight)\" fill=\"\(Self.palette[series % Self.palette.count])\"/>"
                offset += length
            }
            let total = bar.values.reduce(0, +)
            let valueX = rtl ? origin - offset - 6 : origin + offset + 6
            svg += "<text x=\"\(Self.format(valueX))\" y=\"\(middle)\" text-anchor=\"\(rtl ? "end" : "start")\" fill=\"#1a1a1a\">"
                + "\(Self.escape(language.digits(String(total))))</text>"
        }
        return svg + "</svg>"
    }

    private static func format(_ value: Double) -> String {
        String(Int(value.rounded()))
    }

    /// Text for SVG markup (the labels are names from files and the database, never markup).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
