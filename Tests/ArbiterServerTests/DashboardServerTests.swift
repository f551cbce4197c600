import ArbiterServer
import ArbiterStore
import Foundation
import Testing

/// The dashboard's pages over real HTTP on loopback.
@Suite("Dashboard pages")
struct DashboardServerTests {
    @Test func healthzAnswersOK() async throws {
        let store = InMemoryRewardStore()
        let r = try await withDashboard(store) { get in try await get("/healthz") }
        #expect(r.status == 200)
        #expect(r.body == "ok")
    }

    @Test func indexListsRunsNewestFirstWithGroupsTogether() async throws {
        let store = try await DashboardFixture.make()
        let r = try await withDashboard(store) { get in try await get("/") }
        #expect(r.status == 200)
        #expect(r.contentType?.hasPrefix("text/html") == true)
        #expect(r.body.contains("href=\"/runs/run-a\""))
        #expect(r.body.contains("alpha &lt;run&gt;"))
        #expect(!r.body.contains("alpha <run>"))
        #expect(r.body.contains("href=\"/compare?group=cmp\""))
        let c = try #require(r.body.range(of: "/runs/run-c\"")), b = try #require(r.body.range(of: "/runs/run-b\""))
        let a = try #require(r.body.range(of: "/runs/run-a\"")), header = try #require(r.body.range(of: "Run group cmp"))
        #expect(c.lowerBound < header.lowerBound && header.lowerBound < b.lowerBound && b.lowerBound < a.lowerBound)
        #expect(r.body.contains("quote &quot; back\\slash"))
    }

    @Test func runPageShowsStatusStepsChartEventsCriteriaAndLastStepRollouts() async throws {
        let store = try await DashboardFixture.make()
        let r = try await withDashboard(store) { get in try await get("/runs/run-a") }
        #expect(r.status == 200)
        let page = r.body
        #expect(page.contains("<h2>Steps</h2>"))
        #expect(page.contains("Reward mean ± std"))
        #expect(page.contains("outcome mean"))
        #expect(page.contains("<td class=\"n\">0.750 ± 0.250</td>"), "step 1 reward mean ± std")
        #expect(page.contains("<td class=\"n\">0.250 ± 0.250</td>"), "step 0 reward mean ± std")
        #expect(page.contains("<svg"))
        #expect(page.contains("<polyline"))
        #expect(page.contains("Undelivered batches"))
        #expect(page.contains("identifying"))
        #expect(page.contains("logic"))
        #expect(page.contains(HTML.escape(DashboardFixture.eventMessage)))
        #expect(!page.contains(DashboardFixture.eventMessage))
        #expect(page.contains("Rollouts of step 1"))
        #expect(page.contains("href=\"/runs/run-a/rollouts/s1-e0-abc/3\""))
        #expect(page.contains("href=\"/runs/run-a/rollouts/r-plain\""))
        #expect(page.contains("href=\"/runs/run-a?step=0\""))
        #expect(!page.contains("<script"))

        let step0 = try await withDashboard(store) { get in try await get("/runs/run-a?step=0") }
        #expect(step0.body.contains("Rollouts of step 0"))
        #expect(step0.body.contains("href=\"/runs/run-a/rollouts/s0-e0-p0/1\""))
    }

    @Test func rolloutPageEscapesModelAndJudgeText() async throws {
        let store = try await DashboardFixture.make()
        let r = try await withDashboard(store) { get in try await get("/runs/run-a/rollouts/s1-e0-abc/3") }
        #expect(r.status == 200)
        let page = r.body
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;B&#39;"))
        #expect(!page.contains("<script"))
        #expect(page.contains("<pre>&quot;&amp;&lt;&gt;</pre>"), "the judge's raw answer, escaped")
        #expect(!page.contains("\"&<>"))
        #expect(
            page.contains(
                "<details><summary>request</summary><pre>Does the answer meet &lt;c2&gt;? &amp; say &quot;yes&quot;</pre></details>"))
        #expect(page.contains("Where is the &lt;ball&gt;?"))
        #expect(page.contains("non_binary"))
        #expect(page.contains("run-a-b1"), "the batch that carried it")
        #expect(page.contains("pending"))
        #expect(page.contains("grpo"))
        #expect(page.contains("weighted_mean"))
    }

    @Test(arguments: ["/runs/run-a/rollouts/s1-e0-abc/3", "/runs/run-a/rollouts/s1-e0-abc%2F3", "/runs/run%2Da/rollouts/s1-e0-abc%2f3"])
    func rolloutIDWithSlashResolvesLiteralOrEncoded(_ uri: String) async throws {
        let store = try await DashboardFixture.make()
        let r = try await withDashboard(store) { get in try await get(uri) }
        #expect(r.status == 200)
        #expect(r.body.contains("Rollout s1-e0-abc/3"))
    }

    @Test func rolloutWithAPlainID() async throws {
        let store = try await DashboardFixture.make()
        let r = try await withDashboard(store) { get in try await get("/runs/run-a/rollouts/r-plain") }
        #expect(r.status == 200)
        #expect(r.body.contains("<pre>plain answer</pre>"))
        #expect(r.body.contains("delivered") == false)
    }

    @Test func unknownRunRolloutOrPathIs404WithTheIDEscaped() async throws {
        let store = try await DashboardFixture.make()
        let (run, rollout, path, step) = try await withDashboard(store) { get in
            (
                try await get("/runs/no%3Cscript%3E"), try await get("/runs/run-a/rollouts/nope%3Cb%3E/1"),
                try await get("/nowhere"), try await get("/runs/run-a?step=x")
            )
        }
        #expect(run.status == 404)
        #expect(run.body.contains("No run &#39;no&lt;script&gt;&#39;"))
        #expect(!run.body.contains("<script"))
        #expect(rollout.status == 404)
        #expect(rollout.body.contains("No rollout &#39;nope&lt;b&gt;/1&#39; in run &#39;run-a&#39;"))
        #expect(path.status == 404)
        #expect(path.contentType?.hasPrefix("text/html") == true)
        #expect(step.status == 400)
        let unknownRunRollout = try await withDashboard(store) { get in try await get("/runs/ghost/rollouts/x") }
        #expect(unknownRunRollout.status == 404)
    }

    @Test func storeErrorsGiveA500PageWithTheTextEscaped() async throws {
        let (index, run, metrics) = try await withDashboard(FailingRewardStore()) { get in
            (try await get("/"), try await get("/runs/run-a"), try await get("/metrics"))
        }
        for r in [index, run, metrics] {
            #expect(r.status == 500)
            #expect(r.body.contains(HTML.escape(FailingRewardStore.message)))
            #expect(!r.body.contains(FailingRewardStore.message))
        }
    }

    @Test func compareShowsTheRunsOfAGroupSideBySide() async throws {
        let store = try await DashboardFixture.make()
        let (r, missing, list) = try await withDashboard(store) { get in
            (try await get("/compare?group=cmp"), try await get("/compare?group=none"), try await get("/compare"))
        }
        #expect(r.status == 200)
        #expect(r.body.contains("href=\"/runs/run-a\""))
        #expect(r.body.contains("href=\"/runs/run-b\""))
        #expect(!r.body.contains("href=\"/runs/run-c\""))
        #expect(r.body.contains("<svg"))
        #expect(r.body.components(separatedBy: "<polyline").count - 1 == 2, "one line per run")
        #expect(r.body.contains("<th>Step</th>") || r.body.contains("<th class=\"n\">Step</th>"))
        #expect(r.body.contains("<th class=\"n\">run-a</th><th class=\"n\">run-b</th>"), "runs oldest first")
        #expect(r.body.contains("<td class=\"n\">1</td><td class=\"n\">0.750</td><td class=\"n\">0.700</td>"))
        #expect(missing.status == 404)
        #expect(list.status == 200)
        #expect(list.body.contains("href=\"/compare?group=cmp\""))
    }
}
