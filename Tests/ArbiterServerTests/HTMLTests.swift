import Testing

@testable import ArbiterServer

/// Escaping helpers.
@Suite("Escaping")
struct HTMLTests {
    @Test func escapesTheFiveSpecialCharacters() {
        #expect(HTML.escape("<a href=\"x\">Tom & Jerry's</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(HTML.escape("plain ünïcödé") == "plain ünïcödé")
        #expect(HTML.escape("&amp;") == "&amp;amp;")
    }

    @Test func prometheusLabelValuesAndNumbers() {
        #expect(PrometheusText.escapeLabel("a\\b\"c\nd") == "a\\\\b\\\"c\\nd")
        #expect(PrometheusText.format(3) == "3")
        #expect(PrometheusText.format(0.75) == "0.75")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
    }

    @Test func linksPercentEncodeIDs() {
        #expect(HTML.rolloutHref(runID: "run a", rolloutID: "p?x/3") == "/runs/run%20a/rollouts/p%3Fx/3")
        #expect(HTML.compareHref("a&b") == "/compare?group=a%26b")
    }

    @Test func chartWithoutValuesSaysSo() {
        let svg = SVGLineChart(series: [.init(label: "x", points: [])], title: "t", yLabel: "y").render()
        #expect(!svg.contains("<svg"))
        let one = SVGLineChart(series: [.init(label: "<x>", points: [(0, 1)])], title: "t<", yLabel: "y").render()
        #expect(one.contains("<svg") && one.contains("<circle") && !one.contains("<x>") && !one.contains("t<"))
    }
}
