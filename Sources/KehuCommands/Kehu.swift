import ArgumentParser
public struct Kehu: AsyncParsableCommand { public init() {} ; public func run() async throws {} }
