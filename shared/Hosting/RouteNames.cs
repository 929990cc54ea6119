using Apmatrix.ApModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Apmatrix.Hosting;

/// <summary>The names in a route (<c>{host}</c>, <c>{name}</c> of an mdev, <c>{guest}</c>) checked once for every endpoint of a group.</summary>
public static class RouteNames
{
    static readonly Dictionary<string, string> Named = new() { ["host"] = "host", ["name"] = "mdev", ["guest"] = "guest" };

    /// <summary>A name breaking <see cref="Names"/>'s rule is a 400 naming its route value, before the endpoint reads or writes anything.</summary>
    public static RouteGroupBuilder RequireNames(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var errors = new RequestErrors();
            foreach (var (key, value) in context.HttpContext.Request.RouteValues)
                if (Named.TryGetValue(key, out var what)) errors.Name(key, value as string, what);
            return errors.Any ? errors.Problem() : await next(context);
        });
        return group;
    }
}
