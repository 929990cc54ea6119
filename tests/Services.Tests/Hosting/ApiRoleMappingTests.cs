using System.Security.Claims;
using Apmatrix.ApBus;
using Apmatrix.GuestVm;
using Apmatrix.Hosting;
using Apmatrix.VfioAp;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Every endpoint the real services map, judged by its own authorization policy for each kind of caller.</summary>
public class ApiRoleMappingTests
{
    static readonly string[] Settings = ["--ConnectionStrings:Postgres=Host=127.0.0.1", "--ConnectionStrings:RabbitMq=amqp://127.0.0.1/"];

    public static TheoryData<string, string[]> Services => new()
    {
        { "ApBus", ["vfioap GET /hosts/{host}/snapshot"] },
        { "VfioAp", ["apbus DELETE /hosts/{host}/mask-check/{reservation}", "apbus GET /applied/", "apbus POST /hosts/{host}/mask-check"] },
        { "GuestVm", [] },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Viewers_read_operators_change_and_a_service_calls_only_its_endpoints(string service, string[] serviceCalls)
    {
        await using var app = service switch
        {
            "ApBus" => ApBusApp.Build(Settings),
            "VfioAp" => VfioApApp.Build(Settings),
            _ => GuestVmApp.Build(Settings),
        };
        var authorization = app.Services.GetRequiredService<IAuthorizationService>();
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();
        var allowed = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var route = endpoint.RoutePattern.RawText!;
            if (route.StartsWith("/health/", StringComparison.Ordinal))
            {
                Assert.NotNull(endpoint.Metadata.GetMetadata<IAllowAnonymous>());
                continue;
            }
            var policy = Assert.Single(endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>());
            var method = Assert.Single(endpoint.Metadata.GetRequiredMetadata<IHttpMethodMetadata>().HttpMethods);
            async Task<bool> Allows(ClaimsPrincipal caller) => (await authorization.AuthorizeAsync(caller, null, policy)).Succeeded;
            Assert.True(await Allows(Caller("ops", ApiRoles.Operator)), route);
            Assert.Equal(method == "GET", await Allows(Caller("watcher", ApiRoles.Viewer)));
            Assert.False(await Allows(new ClaimsPrincipal(new ClaimsIdentity())), route);
            foreach (var name in new[] { "apbus", "vfioap", "guestvm" })
                if (await Allows(Caller(name, ApiRoles.Service))) allowed.Add($"{name} {method} {route}");
        }
        Assert.Equal(serviceCalls, allowed.Order());
    }

    static ClaimsPrincipal Caller(string name, string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], ApiKeys.Scheme));
}
