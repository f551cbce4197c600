import ArbiterCore
import ArbiterTesting
import ArbiterTrainer
import Foundation
import Testing

/// A JSON value parsed independently of the wire types.
enum JSONValue: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let v = try? c.decode(Bool.self) {
            self = .bool(v)
        } else if let v = try? c.decode(Double.self) {
            self = .number(v)
        } else if let v = try? c.decode(String.self) {
            self = .string(v)
        } else if let v = try? c.decode([JSONValue].self) {
            self = .array(v)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    static func parse(_ data: Data) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: data) }

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var object: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    var strings: [String]? {
        guard case .array(let a) = self else { return nil }
        return a.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }
}

/// The JSON-Schema subset the OpenAPI document uses: `$ref` (local), `type` (a name or an array of
/// names, `null` included), `enum`, `required`, `properties`, `additionalProperties` (boolean or
/// schema), `items`, `minimum`, `minLength`, `minItems`. Unknown keywords are annotations.
struct SchemaValidator {
    let document: JSONValue

    func schema(_ name: String) throws -> JSONValue {
        try #require(document["components"]?["schemas"]?[name], "no schema \(name)")
    }

    func resolve(_ schema: JSONValue) -> JSONValue {
        guard case .string(let ref)? = schema["$ref"], ref.hasPrefix("#/") else { return schema }
        var node: JSONValue? = document
        for part in ref.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node.map(resolve) ?? .null
    }

    func validate(_ value: JSONValue, _ schema: JSONValue, _ path: String = "$") -> [String] {
        let schema = resolve(schema)
        var errors: [String] = []
        if case .array(let allowed)? = schema["enum"], !allowed.contains(value) {
            errors.append("\(path): \(value) not in enum")
        }
        if let types = schema["type"].flatMap({ t -> [String]? in
            if case .string(let s) = t { return [s] }
            return t.strings
        }) {
            guard types.contains(where: { matches(value, $0) }) else {
                return errors + ["\(path): expected \(types.joined(separator: "|")), got \(value)"]
            }
        }
        switch value {
        case .object(let object):
            if let required = schema["required"]?.strings {
                for key in required where object[key] == nil { errors.append("\(path).\(key): required but missing") }
            }
            let properties = schema["properties"]?.object ?? [:]
            for (key, child) in object {
                if let propertySchema = properties[key] {
                    errors += validate(child, propertySchema, "\(path).\(key)")
                } else if let additional = schema["additionalProperties"] {
                    if additional == .bool(false) {
                        errors.append("\(path).\(key): not allowed (additionalProperties: false)")
                    } else if additional != .bool(true) {
                        errors += validate(child, additional, "\(path).\(key)")
                    }
                }
            }
        case .array(let items):
            if case .number(let min)? = schema["minItems"], Double(items.count) < min { errors.append("\(path): fewer than \(min) items") }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() { errors += validate(item, itemSchema, "\(path)[\(i)]") }
            }
        case .number(let n):
            if case .number(let min)? = schema["minimum"], n < min { errors.append("\(path): \(n) < minimum \(min)") }
        case .string(let s):
            if case .number(let min)? = schema["minLength"], Double(s.count) < min { errors.append("\(path): shorter than \(min)") }
        case .null, .bool:
            break
        }
        return errors
    }

    private func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (value, type) {
        case (.null, "null"), (.bool, "boolean"), (.string, "string"), (.array, "array"), (.object, "object"), (.number, "number"):
            true
        case (.number(let n), "integer"):
            n == n.rounded()
        default:
            false
        }
    }
}

@Suite("Protocol documents agree with the code")
struct OpenAPIConformanceTests {
    static let docs = SharedFixtures.packageRoot.appendingPathComponent("docs")

    let validator: SchemaValidator

    init() throws {
        let data = try Data(contentsOf: Self.docs.appendingPathComponent("trainer-protocol.openapi.json"))
        validator = SchemaValidator(document: try JSONValue.parse(data))
    }

    func encoded(_ value: some Encodable) throws -> JSONValue {
        try JSONValue.parse(BatchPayload.makeEncoder().encode(value))
    }

    @Test func documentIsOpenAPI31WithBothEndpoints() throws {
        #expect(validator.document["openapi"] == .string("3.1.0"))
        let paths = try #require(validator.document["paths"]?.object)
        #expect(Set(paths.keys) == [TrainerProtocol.batchesPath, TrainerProtocol.statusPath])
        let post = try #require(paths[TrainerProtocol.batchesPath]?["post"])
        let responses = try #require(post["responses"]?.object)
        for status in ["200", "202", "429", "503", "4XX"] { #expect(responses[status] != nil, "missing response \(status)") }
        let header = post["parameters"].flatMap { p -> JSONValue? in
            guard case .array(let params) = p else { return nil }
            return params.first { $0["name"] == .string(TrainerProtocol.idempotencyKeyHeader) }
        }
        #expect(header?["required"] == .bool(true))
    }

    @Test(arguments: [1, 2, 3, 7])
    func encodedRequestsValidateAgainstTheSchema(sampleCount: Int) throws {
        let payload = try BatchPayload(batch: TestBatches.batch(step: sampleCount, samples: sampleCount, policyVersion: 3))
        let errors = validator.validate(try JSONValue.parse(payload.encoded()), try validator.schema("BatchRequest"))
        #expect(errors.isEmpty, "\(errors)")
    }

    @Test func answersValidateAgainstTheSchema() throws {
        let ack = try encoded(BatchAcknowledgement(policyVersion: 4))
        #expect(validator.validate(ack, try validator.schema("Acknowledgement")).isEmpty)
        let status = try encoded(TrainerStatus(policyVersion: 4, ready: true, queueDepth: 2))
        #expect(validator.validate(status, try validator.schema("TrainerStatus")).isEmpty)
        let error = try encoded(TrainerErrorBody(error: "samples[0].advantage: must be finite"))
        #expect(validator.validate(error, try validator.schema("ErrorBody")).isEmpty)
    }

    /// Required fields both ways: everything the schema requires is emitted by the encoder, and
    /// everything the encoder emits is declared (and required) in the schema.
    @Test func requiredFieldsAgreeBothWays() throws {
        let payload = try JSONValue.parse(TestBatches.payload(step: 2).encoded())
        let pairs: [(String, JSONValue?)] = [
            ("BatchRequest", payload),
            ("Sample", { if case .array(let s)? = payload["samples"] { s.first } else { nil } }()),
            ("Provenance", payload["provenance"]),
            ("Acknowledgement", try encoded(BatchAcknowledgement(policyVersion: 1))),
            ("TrainerStatus", try encoded(TrainerStatus(policyVersion: 1, ready: false, queueDepth: 0))),
        ]
        for (name, value) in pairs {
            let schema = try validator.schema(name)
            let emitted = Set(try #require(value?.object, "\(name) not encoded as an object").keys)
            let required = Set(try #require(schema["required"]?.strings))
            let declared = Set(try #require(schema["properties"]?.object).keys)
            #expect(
                required.subtracting(emitted).isEmpty,
                "\(name): schema requires \(required.subtracting(emitted).sorted()) the code does not emit")
            #expect(
                emitted.subtracting(declared).isEmpty,
                "\(name): code emits \(emitted.subtracting(declared).sorted()) the schema does not declare")
            #expect(
                emitted.subtracting(required).isEmpty,
                "\(name): code always emits \(emitted.subtracting(required).sorted()); mark them required")
        }
    }

    @Test func theValidatorCatchesViolations() throws {
        let good = try JSONValue.parse(TestBatches.payload(step: 1).encoded())
        guard case .object(let top) = good, case .array(let samples)? = top["samples"], case .object(let sample) = samples[0] else {
            Issue.record("unexpected shape")
            return
        }
        let schema = try validator.schema("BatchRequest")
        func errors(_ mutate: (inout [String: JSONValue], inout [String: JSONValue]) -> Void) -> [String] {
            var t = top
            var s = sample
            mutate(&t, &s)
            if t["samples"] == top["samples"] {
                var ss = samples
                ss[0] = .object(s)
                t["samples"] = .array(ss)
            }
            return validator.validate(.object(t), schema)
        }
        #expect(errors { _, s in s["advantage"] = nil }.contains { $0.contains("advantage: required") })
        #expect(errors { _, s in s["advantage"] = .null }.contains { $0.contains("advantage") })
        #expect(errors { _, s in s["finish_reason"] = .string("eos") }.contains { $0.contains("finish_reason") })
        #expect(errors { _, s in s["policy_version"] = .number(1.5) }.contains { $0.contains("policy_version") })
        #expect(errors { _, s in s["loss_weight"] = .number(-1) }.contains { $0.contains("loss_weight") })
        #expect(errors { _, s in s["reward_components"] = .object(["judge": .string("high")]) }.contains { $0.contains("judge") })
        #expect(errors { t, _ in t["extra"] = .bool(true) }.contains { $0.contains("extra") })
        #expect(errors { t, _ in t["samples"] = .array([]) }.contains { $0.contains("fewer") })
        #expect(errors { _, _ in }.isEmpty)
    }

    @Test func theSpecExampleDecodesWithTheCodeAndValidates() throws {
        let example = try #require(
            validator.document["paths"]?[TrainerProtocol.batchesPath]?["post"]?["requestBody"]?["content"]?["application/json"]?[
                "examples"]?["twoSamples"]?["value"])
        #expect(validator.validate(example, try validator.schema("BatchRequest")).isEmpty)
        // Re-encode the example through JSONSerialization to get bytes, then decode with the code.
        let data = try JSONEncoder().encode(Self.AnyJSON(example))
        let payload = try BatchPayload.decode(data)
        #expect(payload.samples.count == 2)
        #expect(payload.samples[1].reward == nil)
        #expect(payload.samples[1].rewardComponents["judge"] == .some(nil))
        #expect(try JSONValue.parse(payload.encoded()) == example, "decode → encode is lossless")
    }

    @Test func theMarkdownDocumentsEverySchemaField() throws {
        let text = try String(contentsOf: Self.docs.appendingPathComponent("trainer-protocol.md"), encoding: .utf8)
        for name in ["BatchRequest", "Sample", "Provenance", "Acknowledgement", "TrainerStatus"] {
            for field in try #require(try validator.schema(name)["properties"]?.object).keys {
                #expect(
                    text.contains("`\(field)`") || text.contains("\"\(field)\""),
                    "docs/trainer-protocol.md does not mention \(name).\(field)")
            }
        }
        for needle in ["POST /v1/batches", "GET /v1/status", "Idempotency-Key", "Retry-After", "Authorization: Bearer", "429", "503"] {
            #expect(text.contains(needle), "docs/trainer-protocol.md does not mention \(needle)")
        }
    }

    /// Encodes a ``JSONValue`` back to JSON.
    struct AnyJSON: Encodable {
        var value: JSONValue
        init(_ value: JSONValue) { self.value = value }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch value {
            case .null: try c.encodeNil()
            case .bool(let b): try c.encode(b)
            case .number(let n): try c.encode(n)
            case .string(let s): try c.encode(s)
            case .array(let a): try c.encode(a.map(AnyJSON.init))
            case .object(let o): try c.encode(o.mapValues(AnyJSON.init))
            }
        }
    }
}
