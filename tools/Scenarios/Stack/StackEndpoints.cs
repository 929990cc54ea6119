namespace Apmatrix.Scenarios.Stack;

/// <summary>Where the running services listen (defaults are the ports the services' settings use), and the API key to call them with.</summary>
public sealed record StackEndpoints(Uri ApBus, Uri VfioAp, Uri GuestVm, string? ApiKey)
{
    public static StackEndpoints FromEnvironment() => new(
        Endpoint("APMATRIX_APBUS_URL", "http://127.0.0.1:5101"),
        Endpoint("APMATRIX_VFIOAP_URL", "http://127.0.0.1:5102"),
        Endpoint("APMATRIX_GUESTVM_URL", "http://127.0.0.1:5103"),
        Environment.GetEnvironmentVariable("APMATRIX_API_KEY") is { Length: > 0 } key ? key : null);

    static Uri Endpoint(string variable, string fallback) => new(Environment.GetEnvironmentVariable(variable) is { Length: > 0 } url ? url : fallback);
}
