using System.Text.Json;

namespace Apmatrix.VfioAp.Http;

public sealed record HostRequest(string? Mode);

public sealed record MdevRequest(string? Name);

/// <summary>An adapter, domain or control-domain id: a JSON number, or a string read as sysfs reads what is written to it.</summary>
public sealed record IdRequest(JsonElement Id);

public sealed record AttachRequest(string? Guest);

/// <summary>All three masks of an mdev's matrix, each a range list (<c>4-5</c>) or sysfs hex (<c>0x0c</c>).</summary>
public sealed record MatrixRequest(string? Apm, string? Aqm, string? Adm);

public sealed record MaskCheckRequest(string? Apmask, string? Aqmask);
