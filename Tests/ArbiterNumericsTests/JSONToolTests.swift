import ArbiterCore
import ArbiterNumerics
import Foundation
import Testing

@Suite("JSON tools")
struct JSONToolTests {
    @Test("advantage request: null rewards, defaults, exact round-trip of the output")
    func advantageRoundTrip() throws {
        let json = #"{"estimator": "grpo", "params": {"epsilon": 1e-6, "std": "population"}, "groups": [{"rewards": [1, null, 0.3, 0.1]}, {"rewards": [0.7, 0.2]}]}"#
        let request = try AdvantageRequest.decode(from: Data(json.utf8))
        #expect(request.params == ["epsilon": .number(1e-6), "std": .string("population")])
        let response = try request.run()
        let text = try response.jsonString()
        let parsed = try JSONDecoder().decode(AdvantageResponse.self, from: Data(text.utf8))
        #expect(parsed == response, "doubles must survive the trip bit for bit")
        #expect(response.advantages[0][1] == 0)
        let noParams = try AdvantageRequest.decode(from: Data(#"{"estimator": "rloo", "groups": [{"rewards": [1, 0]}]}"#.utf8))
        #expect(try noParams.run().advantages == [[1, -1]])
    }

    @Test("shortest round-trip formatting of awkward doubles")
    func doubleFormatting() throws {
        var rng = TestRNG(99)
        var values: [Double] = [0, -0.0, 1e-300, .leastNonzeroMagnitude, 1.7976931348623157e308, 0.1, 1.0 / 3, -2.5e-17, 123456789012345680]
        while values.count < 1000 {
            let x = Double(bitPattern: rng.next())
            if x.isFinite { values.append(x) }
        }
        let response = AdvantageResponse(advantages: [values])
        let parsed = try JSONDecoder().decode(AdvantageResponse.self, from: Data(try response.jsonString().utf8))
        for (a, b) in zip(values, parsed.advantages[0]) { #expect(a.bitPattern == b.bitPattern || (a == 0 && b == 0), "\(a)") }
        #expect(throws: NumericsError.self) { try AdvantageResponse(advantages: [[.nan]]).jsonString() }
    }

    @Test("errors name the field")
    func errors() throws {
        func failure(_ json: String) -> NumericsError? {
            do {
                _ = try AdvantageRequest.decode(from: Data(json.utf8)).run()
                return nil
            } catch let e as NumericsError { return e } catch { return nil }
        }
        #expect(failure(#"{"estimator": "nope", "groups": []}"#)?.code == .unknownEstimator)
        #expect(failure(#"{"estimator": "grpo", "params": {"eps": 1}, "groups": []}"#)?.context == "advantage.params.eps")
        #expect(failure(#"{"estimator": "grpo"}"#)?.context == "groups")
        #expect(failure(#"{"estimator": "grpo", "groups": [{"rewards": ["x"]}]}"#)?.code == .invalidInput)
        #expect(failure(#"{"estimator": "opo", "groups": [{"rewards": [1, 0]}]}"#)?.code == .inconsistentShape)
        #expect(failure(#"{"estimator": "opo", "groups": [{"rewards": [1, 0], "lengths": [1]}]}"#)?.context == "groups[0].lengths")
        #expect(failure("not json")?.code == .invalidInput)
    }

    @Test("diversity request")
    func diversity() throws {
        let json = #"{"groups": [{"embeddings": [[1, 0], [0, 1]]}, {"embeddings": [[1, 2, 3]]}]}"#
        let response = try DiversityRequest.decode(from: Data(json.utf8)).run()
        #expect(response.groups.count == 2)
        #expect(close(response.groups[0].vendi, 2))
        let parsed = try JSONDecoder().decode(DiversityResponse.self, from: Data(try response.jsonString().utf8))
        #expect(parsed == response)
        do {
            _ = try DiversityRequest.decode(from: Data(#"{"groups": [{"embeddings": [[1, 0]]}, {"embeddings": [[0, 0]]}]}"#.utf8)).run()
            Issue.record("expected an error")
        } catch let e as NumericsError {
            #expect(e.context == "groups[1].embeddings[0]")
        }
    }
}
