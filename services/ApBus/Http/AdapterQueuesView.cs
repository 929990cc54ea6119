namespace Apmatrix.ApBus.Http;

/// <summary>The queue devices of one adapter, as domain range lists by driver.</summary>
public sealed record AdapterQueuesView(int Adapter, string VfioAp, string Default);
