using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// Who may call what (docs/ARCHITECTURE.md, Who may do what): API keys through <see cref="ApiKeyHandler"/>; on an API group,
/// reads for viewers and operators and changes for operators; a service's own identity only where an endpoint names it.
/// </summary>
public static class ApiAccess
{
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthentication(ApiKeys.Scheme).AddScheme<ApiKeyOptions, ApiKeyHandler>(ApiKeys.Scheme, null);
        services.AddOptions<ApiKeyOptions>(ApiKeys.Scheme).Bind(configuration.GetSection(ApiKeyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiKeyOptions>, ApiKeyOptionsValidation>();
        services.AddKeyedSingleton(ApiKeys.Scheme, (_, _) => new LogThrottle(TimeSpan.FromMinutes(1)));
        // Secure by default: an endpoint nobody marked still wants a known client.
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }

    /// <summary>Every endpoint of the group: reads (GET, or HEAD where one is mapped) for viewers and operators, any other method for operators only.</summary>
    public static RouteGroupBuilder RequireApiRoles(this RouteGroupBuilder group)
    {
        // Finally: after each endpoint's own conventions, so it sees AllowService's mark.
        ((IEndpointConventionBuilder)group).Finally(endpoint => endpoint.Metadata.Add(PolicyFor(endpoint.Metadata)));
        return group;
    }

    /// <summary>The named service's own identity (role <c>service</c>) may call this endpoint too.</summary>
    public static RouteHandlerBuilder AllowService(this RouteHandlerBuilder endpoint, string service) =>
        endpoint.WithMetadata(new ServiceCaller(service));

    static AuthorizationPolicy PolicyFor(IList<object> metadata)
    {
        var methods = metadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods ?? [];
        string[] roles = methods.Count > 0 && methods.All(m => m == HttpMethods.Get || m == HttpMethods.Head)
            ? [ApiRoles.Viewer, ApiRoles.Operator]
            : [ApiRoles.Operator];
        var service = metadata.OfType<ServiceCaller>().LastOrDefault()?.Service;
        return new AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .RequireAssertion(context => roles.Any(context.User.IsInRole) || IsService(context.User, service))
            .Build();
    }

    static bool IsService(ClaimsPrincipal user, string? service) =>
        service is not null && user.IsInRole(ApiRoles.Service) && string.Equals(user.Identity?.Name, service, StringComparison.OrdinalIgnoreCase);

    sealed record ServiceCaller(string Service);
}
