import Foundation

/// HTML text for the dashboard: escaping, the page frame, and link targets.
///
/// Every string that comes from the reward log (model outputs, judge answers, prompts, run names,
/// error and event messages) goes through `escape` before it reaches a page.
public enum HTML {
    /// Escapes `& < > " '` so that `text` is inert both in element content and in attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// Escapes an optional string; nil becomes an em dash.
    static func escape(_ text: String?, missing: String = "—") -> String {
        text.map { escape($0) } ?? missing
    }

    /// A whole page: doctype, title, inline style, navigation and `body`.
    ///
    /// `title` is plain text (escaped here); `body` is already HTML.
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · arbiter</title>
        <style>\(style)</style>
        </head>
        <body>
        <nav><a href="/">arbiter</a> · <a href="/metrics">metrics</a></nav>
        <main>
        <h1>\(escape(title))</h1>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    /// A table: escaped header texts and rows of cells that are already HTML.
    static func table(_ headers: [String], _ rows: [[String]], numericFrom: Int = Int.max) -> String {
        var out = "<table>\n<thead><tr>"
        for (i, h) in headers.enumerated() { out += i >= numericFrom ? "<th class=\"n\">\(escape(h))</th>" : "<th>\(escape(h))</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() { out += i >= numericFrom ? "<td class=\"n\">\(cell)</td>" : "<td>\(cell)</td>" }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    /// A link; `href` is already percent-encoded, `text` is plain text.
    static func link(_ href: String, _ text: String) -> String {
        "<a href=\"\(escape(href))\">\(escape(text))</a>"
    }

    // MARK: Link targets

    /// Percent-encodes a path segment (keeps only unreserved characters; `/` is encoded).
    static func segment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }

    /// Percent-encodes a path whose `/` separate segments.
    static func path(_ s: String) -> String {
        s.split(separator: "/", omittingEmptySubsequences: false).map { segment(String($0)) }.joined(separator: "/")
    }

    /// The run page.
    static func runHref(_ runID: String) -> String { "/runs/\(segment(runID))" }

    /// A rollout's page (its `/` kept as path separators).
    static func rolloutHref(runID: String, rolloutID: String) -> String {
        "/runs/\(segment(runID))/rollouts/\(path(rolloutID))"
    }

    /// A comparison group's page.
    static func compareHref(_ group: String) -> String { "/compare?group=\(segment(group))" }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}\
        nav{background:#223;padding:.5em 1em}nav a{color:#fff;text-decoration:none;font-weight:600}\
        main{padding:1em 1.5em}h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.15em;margin:1.4em 0 .4em}\
        table{border-collapse:collapse;background:#fff;margin:.3em 0}th,td{border:1px solid #ddd;padding:.25em .5em;vertical-align:top}\
        th{background:#eef;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
        tr.group th{background:#dde;text-align:left}pre{white-space:pre-wrap;word-break:break-word;background:#fff;\
        border:1px solid #ddd;padding:.5em;max-height:30em;overflow:auto}details{margin:.2em 0}\
        dl{display:grid;grid-template-columns:max-content auto;gap:.15em 1em}dt{font-weight:600}dd{margin:0}\
        .muted{color:#777}.bad{color:#a00}svg{background:#fff;border:1px solid #ddd}
        """
}
