import ServiceLifecycle

/// The limiter's timer: a generation ends every `generationLength`, so idle clients are forgotten without
/// any request paying for it. Runs in intake's service group; ends at graceful shutdown.
extension RateLimiter: Service {
    /// Ends a generation every `generationLength` until the group shuts down.
    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { [generationLength] in try await Task.sleep(for: generationLength) }
            } catch {
                return  // cancelled: the group is stopping
            }
            if Task.isShuttingDownGracefully { return }
            forgetIdle()
        }
    }
}
