using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

public static class ServiceClientSetup
{
    /// <summary>
    /// <typeparamref name="TClient"/> calls <paramref name="service"/> with this service's own API key (<see cref="ServiceEndpoint"/>);
    /// without the key the service does not start.
    /// </summary>
    public static IHttpClientBuilder AddServiceClient<TClient>(this IServiceCollection services, string service, string defaultAddress)
        where TClient : class
    {
        services.AddOptions<ServiceEndpoint>(service)
            .Configure<IConfiguration>((endpoint, configuration) =>
            {
                endpoint.Address = configuration[$"Services:{service}"] ?? defaultAddress;
                endpoint.Key = configuration[$"Services:{service}Key"] ?? "";
            })
            .Validate(endpoint => endpoint.Key.Length > 0,
                $"Services:{service}Key is not set: this service calls {service} with its own API key, whose SHA-256 {service} holds in Auth:Clients")
            .Validate(endpoint => Uri.TryCreate(endpoint.Address, UriKind.Absolute, out var url) && url.Scheme is "http" or "https",
                $"Services:{service} is not an http(s) URL of {service} (e.g. {defaultAddress})")
            .ValidateOnStart();
        return services.AddHttpClient<TClient>((provider, http) =>
        {
            var endpoint = provider.GetRequiredService<IOptionsMonitor<ServiceEndpoint>>().Get(service);
            http.BaseAddress = new Uri(endpoint.Address.TrimEnd('/') + "/");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(ApiKeys.Scheme, endpoint.Key);
            http.Timeout = TimeSpan.FromSeconds(10);
        });
    }
}
