using Apmatrix.ApModel;

namespace Apmatrix.Scenarios;

public sealed record ScenarioMdev(string Name, Bitmap256 Adapters, Bitmap256 Domains, Bitmap256 ControlDomains, string? Guest);
