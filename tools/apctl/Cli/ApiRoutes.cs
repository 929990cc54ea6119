using System.Text.RegularExpressions;

namespace Apmatrix.Apctl.Cli;

/// <summary>
/// One endpoint apctl calls: the service whose OpenAPI document (docs/openapi/) names it, its method, and its path template
/// as that document writes it, so a test holds the two together. <see cref="Service"/> null: each consuming service has it.
/// </summary>
public sealed partial record ApiRoute(string? Service, string Method, string Template)
{
    /// <summary>The path with each <c>{parameter}</c> replaced, in order, by <paramref name="values"/>, escaped.</summary>
    public string Path(params string[] values)
    {
        var next = 0;
        var path = Parameter().Replace(Template, _ => Uri.EscapeDataString(values[next++]));
        return next == values.Length ? path : throw new ArgumentException($"{Template} takes {next} values, not {values.Length}", nameof(values));
    }

    [GeneratedRegex(@"\{[a-z]+\}")]
    private static partial Regex Parameter();
}

/// <summary>Every endpoint apctl calls.</summary>
public static class ApiRoutes
{
    const string ApBus = "apbus", VfioAp = "vfioap", GuestVm = "guestvm";

    public static readonly ApiRoute ListBuses = new(ApBus, "GET", "/hosts");
    public static readonly ApiRoute GetBus = new(ApBus, "GET", "/hosts/{host}");
    public static readonly ApiRoute DefineBus = new(ApBus, "PUT", "/hosts/{host}");
    public static readonly ApiRoute ScanConfig = new(ApBus, "PUT", "/hosts/{host}/config");
    public static readonly ApiRoute SetBusMasks = new(ApBus, "PUT", "/hosts/{host}/masks");
    public static readonly ApiRoute GetBusSnapshot = new(ApBus, "GET", "/hosts/{host}/snapshot");

    public static readonly ApiRoute ListHosts = new(VfioAp, "GET", "/hosts");
    public static readonly ApiRoute GetHost = new(VfioAp, "GET", "/hosts/{host}");
    public static readonly ApiRoute DefineHost = new(VfioAp, "PUT", "/hosts/{host}");
    public static readonly ApiRoute GetHostGuests = new(VfioAp, "GET", "/hosts/{host}/guests");
    public static readonly ApiRoute ListMdevs = new(VfioAp, "GET", "/hosts/{host}/mdevs");
    public static readonly ApiRoute CreateMdev = new(VfioAp, "POST", "/hosts/{host}/mdevs");
    public static readonly ApiRoute GetMdev = new(VfioAp, "GET", "/hosts/{host}/mdevs/{name}");
    public static readonly ApiRoute RemoveMdev = new(VfioAp, "DELETE", "/hosts/{host}/mdevs/{name}");
    public static readonly ApiRoute SetApConfig = new(VfioAp, "PUT", "/hosts/{host}/mdevs/{name}/ap_config");
    public static readonly ApiRoute AttachMdev = new(VfioAp, "POST", "/hosts/{host}/mdevs/{name}/attach");
    public static readonly ApiRoute DetachMdev = new(VfioAp, "POST", "/hosts/{host}/mdevs/{name}/detach");
    public static readonly ApiRoute GetMdevMatrix = new(VfioAp, "GET", "/hosts/{host}/mdevs/{name}/matrix");
    public static readonly ApiRoute GetGuestMatrix = new(VfioAp, "GET", "/hosts/{host}/mdevs/{name}/guest_matrix");
    public static readonly ApiRoute GetControlDomains = new(VfioAp, "GET", "/hosts/{host}/mdevs/{name}/control_domains");

    public static readonly ApiRoute ListGuests = new(GuestVm, "GET", "/hosts/{host}/guests");
    public static readonly ApiRoute GetGuest = new(GuestVm, "GET", "/hosts/{host}/guests/{guest}");
    public static readonly ApiRoute DefineGuest = new(GuestVm, "PUT", "/hosts/{host}/guests/{guest}");

    public static readonly ApiRoute ListDeadLetters = new(null, "GET", "/dead-letters");
    public static readonly ApiRoute PeekDeadLetters = new(null, "GET", "/dead-letters/{queue}");
    public static readonly ApiRoute RedriveDeadLetters = new(null, "POST", "/dead-letters/{queue}/redrive");

    public static IEnumerable<ApiRoute> All =>
        typeof(ApiRoutes).GetFields().Where(f => f.FieldType == typeof(ApiRoute)).Select(f => (ApiRoute)f.GetValue(null)!);
}
