namespace Apmatrix.LoadTest;

/// <summary>Where and on what the run ran, so figures are compared only with figures of the same kind.</summary>
public sealed record RunEnvironment(string Machine, int Processors, string Runtime, string Broker, string MassTransit, string LoadAverage,
    string Note);
