import ArbiterCore
import Logging

/// Off-policy staleness control as a pure function over batch samples.
///
/// A sample generated under policy version `v` has staleness `t − v` when the trainer is at `t`.
/// Within ``maxStaleness`` it is kept as is. Beyond it, ``StalePolicy/drop`` removes it (reported as
/// stale) and ``StalePolicy/importanceWeight`` keeps it with its loss weight multiplied by
/// `importanceDecay^(staleness − maxStaleness)`; trainers can refine that per token with the
/// behaviour logprobs every sample carries.
public struct StalenessFilter: Sendable, Hashable {
    /// Maximum versions a sample may lag the trainer.
    public var maxStaleness: Int
    /// What happens to a sample beyond the bound.
    public var policy: StalePolicy
    /// Per-version decay of the loss weight under ``StalePolicy/importanceWeight``, in (0, 1].
    public var importanceDecay: Double

    /// Creates a filter.
    public init(maxStaleness: Int, policy: StalePolicy, importanceDecay: Double = 0.5) {
        self.maxStaleness = max(0, maxStaleness)
        self.policy = policy
        self.importanceDecay = min(max(importanceDecay, .leastNormalMagnitude), 1)
    }

    /// Creates a filter from the run config's `staleness` section.
    public init(_ config: StalenessConfig, importanceDecay: Double = 0.5) {
        self.init(maxStaleness: config.maxStaleness, policy: config.stalePolicy, importanceDecay: importanceDecay)
    }

    /// A sample that was beyond the bound.
    public struct StaleSample: Sendable, Hashable {
        /// Its rollout id.
        public var sampleID: String
        /// The version it was generated under.
        public var policyVersion: PolicyVersion
        /// How many versions it lagged.
        public var staleness: Int
        /// Its new loss weight when kept, nil when dropped.
        public var lossWeight: Double?
    }

    /// What ``apply(to:trainerVersion:)`` did.
    public struct Result: Sendable, Hashable {
        /// The samples to send, in their original order (reweighted ones included).
        public var kept: [BatchSample]
        /// Stale samples removed.
        public var dropped: [StaleSample]
        /// Stale samples kept with a reduced loss weight.
        public var reweighted: [StaleSample]

        /// Logs each stale sample (`notice` for drops, `info` for reweighting).
        public func log(to logger: Logger, step: Int? = nil) {
            var metadata: Logger.Metadata = [:]
            if let step { metadata["step"] = "\(step)" }
            for s in dropped {
                logger.notice(
                    "stale sample dropped",
                    metadata: metadata.merging([
                        "sample_id": "\(s.sampleID)", "policy_version": "\(s.policyVersion.rawValue)", "staleness": "\(s.staleness)",
                    ]) { $1 })
            }
            for s in reweighted {
                logger.info(
                    "stale sample kept with importance weight",
                    metadata: metadata.merging([
                        "sample_id": "\(s.sampleID)", "policy_version": "\(s.policyVersion.rawValue)", "staleness": "\(s.staleness)",
                        "loss_weight": "\(s.lossWeight ?? 0)",
                    ]) { $1 })
            }
        }
    }

    /// Whether a sample generated under `version` is within the bound when the trainer is at `trainerVersion`.
    public func admits(_ version: PolicyVersion, trainerVersion: PolicyVersion) -> Bool {
        version.staleness(relativeTo: trainerVersion) <= maxStaleness
    }

    /// Applies the bound to `samples`.
    public func apply(to samples: [BatchSample], trainerVersion: PolicyVersion) -> Result {
        var result = Result(kept: [], dropped: [], reweighted: [])
        result.kept.reserveCapacity(samples.count)
        for sample in samples {
            let version = sample.sample.rollout.policyVersion
            let staleness = version.staleness(relativeTo: trainerVersion)
            guard staleness > maxStaleness else {
                result.kept.append(sample)
                continue
            }
            let id = sample.sample.rollout.id
            switch policy {
            case .drop:
                result.dropped.append(StaleSample(sampleID: id, policyVersion: version, staleness: staleness, lossWeight: nil))
            case .importanceWeight:
                var weighted = sample
                weighted.lossWeight = sample.lossWeight * Self.power(importanceDecay, staleness - maxStaleness)
                result.kept.append(weighted)
                result.reweighted.append(
                    StaleSample(sampleID: id, policyVersion: version, staleness: staleness, lossWeight: weighted.lossWeight))
            }
        }
        return result
    }

    private static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= base }
        return result
    }
}
