using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Apmatrix.Hosting;

/// <summary>The health answer as JSON, <c>{status, checks: [{name, status, description}]}</c>, so a 503 says why.</summary>
public static class HealthReportJson
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = Readiness.Describe(e.Value) ?? e.Value.Exception?.Message,
            }),
        }));
    }
}
