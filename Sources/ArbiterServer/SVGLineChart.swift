import Foundation

/// A server-rendered SVG line chart of values per step: one polyline per series, axes with the
/// step and value ranges, and a legend when there is more than one series. No script.
struct SVGLineChart {
    /// One line.
    struct Series {
        /// Legend text (plain text; escaped when rendered).
        var label: String
        /// (step, value) points; rendered in step order.
        var points: [(step: Int, value: Double)]
    }

    /// The lines.
    var series: [Series]
    /// Accessible title (plain text).
    var title: String
    /// Y axis label (plain text).
    var yLabel: String
    var width = 720.0
    var height = 260.0

    private static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// The colour of the series at `index`.
    static func color(_ index: Int) -> String { palette[index % palette.count] }

    /// The `<svg>` element, or a short note when there is nothing to draw.
    func render() -> String {
        let finite = series.map { s in s.points.filter { $0.value.isFinite }.sorted { $0.step < $1.step } }
        let all = finite.flatMap { $0 }
        guard let minStep = all.map(\.step).min(), let maxStep = all.map(\.step).max(),
            var minY = all.map(\.value).min(), var maxY = all.map(\.value).max()
        else {
            return "<p class=\"muted\">No values to chart yet.</p>\n"
        }
        if minY == maxY {
            minY -= 0.5
            maxY += 0.5
        }
        let left = 56.0, right = 16.0, top = 14.0
        let bottom = series.count > 1 ? 30.0 + 16.0 * Double((series.count + 2) / 3) : 30.0
        let plotW = width - left - right, plotH = height - top - bottom
        let spanX = Double(max(maxStep - minStep, 1))
        func x(_ step: Int) -> Double { left + (minStep == maxStep ? plotW / 2 : Double(step - minStep) / spanX * plotW) }
        func y(_ v: Double) -> Double { top + (maxY - v) / (maxY - minY) * plotH }
        func f(_ d: Double) -> String { String(format: "%.1f", d) }

        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
        out += "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">\n"
        out += "<title>\(HTML.escape(title))</title>\n"
        // Axes and gridlines.
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"#999\"/>\n"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"#999\"/>\n"
        for i in 0...4 {
            let v = minY + (maxY - minY) * Double(i) / 4
            let yy = y(v)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(yy))\" x2=\"\(f(left + plotW))\" y2=\"\(f(yy))\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(f(left - 4))\" y=\"\(f(yy + 4))\" font-size=\"10\" text-anchor=\"end\">\(HTML.number(v))</text>\n"
        }
        out += "<text x=\"\(f(left))\" y=\"\(f(top + plotH + 14))\" font-size=\"10\" text-anchor=\"start\">step \(minStep)</text>\n"
        if maxStep != minStep {
            out +=
                "<text x=\"\(f(left + plotW))\" y=\"\(f(top + plotH + 14))\" font-size=\"10\" text-anchor=\"end\">step \(maxStep)</text>\n"
        }
        out += "<text x=\"12\" y=\"\(f(top + plotH / 2))\" font-size=\"10\" text-anchor=\"middle\" "
        out += "transform=\"rotate(-90 12 \(f(top + plotH / 2)))\">\(HTML.escape(yLabel))</text>\n"
        // Lines.
        for (i, points) in finite.enumerated() where !points.isEmpty {
            let color = Self.color(i)
            let coords = points.map { "\(f(x($0.step))),\(f(y($0.value)))" }.joined(separator: " ")
            if points.count > 1 {
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(coords)\"/>\n"
            }
            for p in points {
                out += "<circle cx=\"\(f(x(p.step)))\" cy=\"\(f(y(p.value)))\" r=\"2.5\" fill=\"\(color)\">"
                out += "<title>\(HTML.escape(series[i].label)) step \(p.step): \(HTML.number(p.value))</title></circle>\n"
            }
        }
        // Legend.
        if series.count > 1 {
            for (i, s) in series.enumerated() {
                let lx = left + Double(i % 3) * (plotW / 3), ly = top + plotH + 30 + Double(i / 3) * 16
                out += "<rect x=\"\(f(lx))\" y=\"\(f(ly - 9))\" width=\"10\" height=\"10\" fill=\"\(Self.color(i))\"/>"
                out += "<text x=\"\(f(lx + 14))\" y=\"\(f(ly))\" font-size=\"11\">\(HTML.escape(s.label))</text>\n"
            }
        }
        return out + "</svg>\n"
    }
}
