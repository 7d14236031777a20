import Testing
@testable import VigilCore
@Test func smoke() { #expect(Vigil.version == "0.1.0") }
