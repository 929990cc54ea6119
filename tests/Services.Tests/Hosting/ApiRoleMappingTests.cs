using System.Security.Claims;
using Apmatrix.GuestVm;
using Apmatrix.Hosting;
using Apmatrix.VfioAp;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Every endpoint the real services map, judged by their own authorization policies for each kind of caller.</summary>
public class ApiRoleMappingTests
{
    static readonly string[] Settings = ["--ConnectionStrings:Postgres=Host=127.0.0.1", "--ConnectionStrings:RabbitMq=amqp://127.0.0.1/"];

    public static TheoryData<string> Services => ["VfioAp", "GuestVm"];

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Viewers_read_operators_change_and_apbus_only_checks_masks(string service)
    {
        await using var app = service == "VfioAp" ? VfioApApp.Build(Settings) : GuestVmApp.Build(Settings);
        var authorization = app.Services.GetRequiredService<IAuthorizationService>();
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);
        foreach (var endpoint in endpoints)
        {
            var route = endpoint.RoutePattern.RawText!;
            if (route.StartsWith("/health/", StringComparison.Ordinal))
            {
                Assert.NotNull(endpoint.Metadata.GetMetadata<IAllowAnonymous>());
                continue;
            }
            var policy = Assert.Single(endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>());
            var reads = endpoint.Metadata.GetRequiredMetadata<IHttpMethodMetadata>().HttpMethods.SequenceEqual(["GET"]);
            var maskCheck = route.EndsWith("/mask-check", StringComparison.Ordinal);
            async Task<bool> Allows(string name, string role) =>
                (await authorization.AuthorizeAsync(Caller(name, role), null, policy)).Succeeded;
            Assert.True(await Allows("ops", ApiRoles.Operator), route);
            Assert.Equal(reads, await Allows("watcher", ApiRoles.Viewer));
            Assert.Equal(maskCheck, await Allows("apbus", ApiRoles.Service));
            Assert.False(await Allows("vfioap", ApiRoles.Service), route);
            Assert.False((await authorization.AuthorizeAsync(new ClaimsPrincipal(new ClaimsIdentity()), null, policy)).Succeeded, route);
        }
    }

    static ClaimsPrincipal Caller(string name, string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], ApiKeys.Scheme));
}
