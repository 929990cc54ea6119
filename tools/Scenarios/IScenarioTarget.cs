namespace Apmatrix.Scenarios;

/// <summary>
/// Where a scenario runs: the engine in this process, or the running services. A refused step throws
/// <see cref="Engine.MatrixException"/> with its kind and must have changed nothing.
/// </summary>
public interface IScenarioTarget : IAsyncDisposable
{
    /// <summary>Builds the host, creates, assigns and attaches the mdevs; update counts start after this.</summary>
    Task SetUpAsync(Scenario scenario, CancellationToken cancellationToken);

    Task ApplyAsync(ScenarioStep step, CancellationToken cancellationToken);

    /// <summary>Waits until every guest has what it was sent, then reports guests and mdevs.</summary>
    Task<ScenarioOutcome> ReadOutcomeAsync(CancellationToken cancellationToken);
}
