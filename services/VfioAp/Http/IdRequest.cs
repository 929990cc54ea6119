using System.Text.Json;

namespace Apmatrix.VfioAp.Http;

/// <summary>An adapter, domain or control-domain id: a JSON number, or a string read as sysfs reads what is written to it.</summary>
public sealed record IdRequest(JsonElement Id);
