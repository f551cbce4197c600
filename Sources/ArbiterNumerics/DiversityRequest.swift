import Foundation

/// The input of `arbiter diversity`: `{"groups": [{"embeddings": [[Double]]}]}`.
public struct DiversityRequest: Sendable, Hashable, Codable {
    /// One group of response embeddings.
    public struct Group: Sendable, Hashable, Codable {
        /// The embeddings, one row per response.
        public var embeddings: [[Double]]

        /// Creates a group.
        public init(embeddings: [[Double]]) { self.embeddings = embeddings }
    }

    /// The groups.
    public var groups: [Group]

    /// Creates a request.
    public init(groups: [Group]) { self.groups = groups }

    /// Parses a request from JSON bytes.
    public static func decode(from data: Data) throws -> DiversityRequest {
        try NumericsJSON.decode(DiversityRequest.self, from: data)
    }

    /// Computes the metrics of every group (groups may differ in dimension).
    public func run() throws -> DiversityResponse {
        var calculator = DiversityCalculator()
        var out: [DiversityMetrics] = []
        out.reserveCapacity(groups.count)
        for (g, group) in groups.enumerated() {
            do {
                out.append(try calculator.metrics(group.embeddings))
            } catch var e as NumericsError {
                e.context = "groups[\(g)]" + (e.context.map { ".\($0)" } ?? "")
                throw e
            }
        }
        return DiversityResponse(groups: out)
    }
}

/// The output of `arbiter diversity`: `{"groups": [{"mean_pairwise_cosine": Double, "vendi": Double}]}`.
public struct DiversityResponse: Sendable, Hashable, Codable {
    /// Metrics per group, in input order.
    public var groups: [DiversityMetrics]

    /// Creates a response.
    public init(groups: [DiversityMetrics]) { self.groups = groups }

    /// Compact JSON with every double in shortest round-trip form.
    public func jsonString() throws -> String {
        var s = "{\"groups\":["
        for (g, m) in groups.enumerated() {
            if g > 0 { s += "," }
            s += "{\"mean_pairwise_cosine\":"
            try NumericsJSON.append(m.meanPairwiseCosine, to: &s, field: "groups[\(g)].mean_pairwise_cosine")
            s += ",\"vendi\":"
            try NumericsJSON.append(m.vendi, to: &s, field: "groups[\(g)].vendi")
            s += "}"
        }
        return s + "]}"
    }
}
