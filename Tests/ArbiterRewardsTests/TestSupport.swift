import ArbiterCore
import ArbiterRewards
import ArbiterTesting
import Foundation

/// Shared fixtures for the rewards tests.
enum Fixture {
    /// A template shipped in `rubrics/`.
    static func template(_ relative: String) throws -> JudgeTemplate {
        try JudgeTemplate.load(
            contentsOf: SharedFixtures.packageRoot.appendingPathComponent("rubrics").appendingPathComponent(relative),
            displayName: "rubrics/\(relative)")
    }

    /// A judge config with test defaults.
    static func judge(
        parser: VerdictParser = .strict, aggregator: RubricAggregator = .official, judgedText: JudgedText = .answer,
        maxRetries: Int = 2, failurePolicy: VerdictFailurePolicy = .exclude, floor: Double = 0, callBudget: Int? = nil
    ) -> JudgeConfig {
        JudgeConfig(
            model: "judge", endpoints: [EndpointConfig(url: "http://127.0.0.1:1")], rubric: "rubrics/morebench/official.yaml",
            parser: parser, aggregator: aggregator, judgedText: judgedText, stripThink: true, maxRetries: maxRetries,
            failurePolicy: failurePolicy, floor: floor, callBudget: callBudget
        )
    }

    /// A small rubric: +3, +2 (identifying, logical), −2 (harmless), +1 (clear).
    static let criteria: [RubricCriterion] = [
        RubricCriterion(id: "p3", title: "Identifies the main tension.", weight: 3, dimension: .identifying),
        RubricCriterion(id: "p2", title: "Weighs both options.", weight: 2, dimension: .logicalProcess),
        RubricCriterion(id: "n2", title: "Recommends deception.", weight: -2, dimension: .harmlessOutcome),
        RubricCriterion(id: "p1", title: "Is clearly structured.", weight: 1, dimension: .clearProcess),
    ]

    /// The criterion whose title the official template put into a request.
    static func criterionTitle(in request: JudgeRequest) -> String {
        request.messages[0].content.components(separatedBy: "Rubric Criterion:").last ?? ""
    }

    /// A 4-option item.
    static func item(gold: Int = 2, options: [String] = ["Backpack", "Handbag", "Briefcase", "Tote bag"], language: String = "en") throws
        -> MultipleChoiceItem
    {
        try MultipleChoiceItem(
            story: "Xiaoming puts the cabbage in the handbag and leaves. Xiaogang moves it to the briefcase.",
            question: "Where will Xiaoming look for the cabbage?", options: options, goldIndex: gold, language: language,
            abilities: ["Belief"], source: SourceLocation(file: "test.jsonl", line: 1), evalOnly: true
        )
    }
}
