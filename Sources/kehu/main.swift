import ArgumentParser
import KehuCommands

// What `AsyncParsableCommand.main()` does, spelled out: on Linux the top-level `await
// Kehu.main()` resolves to the synchronous entry point, and `run()` on an existential async
// command resolves to the synchronous requirement, so async commands say so explicitly.
do {
    var command = try await Kehu.asyncParseAsRoot()
    if let asynchronous = command as? any AsynchronousCommand {
        try await asynchronous.runAsynchronously()
    } else {
        try command.run()
    }
} catch {
    Kehu.exit(withError: error)
}
