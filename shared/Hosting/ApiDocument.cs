using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Apmatrix.Hosting;

/// <summary>
/// Each service's OpenAPI document (docs/openapi, made at build by ApiDocument.props and served at <see cref="Path"/>):
/// the API key scheme, and the problems every endpoint of an API group may answer besides its own.
/// </summary>
public static class ApiDocument
{
    public const string Path = "/openapi/v1.json";

    public static IServiceCollection AddApmatrixOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options => options.AddSchemaTransformer((schema, context, _) =>
        {
            // The services refuse a field a request body does not declare; an answer may gain fields.
            if (context.ParameterDescription is null) schema.AdditionalPropertiesAllowed = true;
            if (context.JsonTypeInfo.Type.IsAssignableTo(typeof(ProblemDetails))) DescribeProblem(schema);
            // A request's required field is declared nullable to be refused by name when null or missing; null is no value it takes.
            if (context.ParameterDescription is not null && schema is { Required: { } required, Properties: { } fields })
                foreach (var field in required)
                    if (fields.TryGetValue(field, out var declared) && declared is OpenApiSchema { Type: { } type } inline) inline.Type = type & ~JsonSchemaType.Null;
            return Task.CompletedTask;
        }).AddOperationTransformer((operation, _, _) =>
        {
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
                if (parameter is { In: ParameterLocation.Query, Name: { } name } && QueryParameters.TryGetValue(name, out var described))
                    (parameter.Description, parameter.Required) = described;
            return Task.CompletedTask;
        }).AddDocumentTransformer((document, _, _) =>
        {
            document.AddComponent(ApiKeys.Scheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = ApiKeys.Scheme,
                Description = $"Authorization: {ApiKeys.Scheme} <key> (or {ApiKeys.Header}: <key>); viewers read, operators change.",
            });
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeys.Scheme, document)] = [] }];
            return Task.CompletedTask;
        }));

    /// <summary>The query parameters the services read as text, so their document says what the text may be.</summary>
    static readonly Dictionary<string, (string Description, bool Required)> QueryParameters = new(StringComparer.Ordinal)
    {
        ["after"] = ("The page starts after this host, the last of the page before (a host name)", false),
        ["limit"] = ($"How many hosts the page holds: 1 to {HostPage.MaxLimit} ({HostPage.DefaultLimit} when absent)", false),
        ["count"] = ($"How many of the oldest to show: 1 to {DeadLetterEndpoints.MaxShown} ({DeadLetterEndpoints.DefaultShown} when absent)", false),
        ["history"] = ("How many of each guest's newest past APCBs to show: a whole number, or all", false),
        ["host"] = ($"The hosts asked about, 1 to {AppliedAsks.MaxHosts}, each as a host= parameter of its own", true),
    };

    /// <summary>What every refusal of the services carries beside RFC 9457's members (<see cref="Refusals.Problem"/>, ServiceDefaults).</summary>
    static void DescribeProblem(OpenApiSchema schema)
    {
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties["kind"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "What was refused, in one word a client can act on (invalid, not-found, in-use, unavailable, ...); type is urn:apmatrix:error:{kind}",
        };
        schema.Properties["traceId"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "The request's trace, as the service's logs and traces name it",
        };
        schema.Required ??= new HashSet<string>();
        schema.Required.Add("kind");
        schema.Description = "A refusal (RFC 9457). One about an APQN adds apqn, and mdev or reservedBy when they hold it; one about input, errors naming the fields.";
    }

    /// <summary>The document itself, under the same keys as the API: any viewer or operator may read it.</summary>
    public static WebApplication MapApmatrixOpenApi(this WebApplication app)
    {
        app.MapGroup("").RequireApiRoles().MapOpenApi(Path);
        return app;
    }

    /// <summary>
    /// What the shared pipeline answers on any endpoint of the group: 400 for a route name or body that does not read
    /// (<see cref="RouteNames"/>, <see cref="ProblemExceptionHandler"/>), 401 and 403 (<see cref="ApiKeyHandler"/>), 413
    /// for a body over the limit, 415 where the endpoint reads a body (<see cref="BodyCharset"/>), and 503 while the
    /// database, or a service it asks, is unreachable.
    /// </summary>
    public static RouteGroupBuilder ProducesSharedProblems(this RouteGroupBuilder group)
    {
        // Finally: after each endpoint's own conventions, so its body parameter is known.
        ((IEndpointConventionBuilder)group).Finally(endpoint =>
        {
            if (endpoint.Metadata.OfType<IAcceptsMetadata>().Any())
                endpoint.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status415UnsupportedMediaType, typeof(ProblemDetails), [ProblemContentType]));
        });
        return group
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    const string ProblemContentType = "application/problem+json";

    /// <summary>An endpoint's operation name and summary, and the statuses of the refusals its own work may answer with (problem details).</summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder endpoint, string name, string summary, params int[] refusals)
    {
        endpoint.WithName(name).WithSummary(summary);
        foreach (var status in refusals) endpoint.ProducesProblem(status);
        return endpoint;
    }

    /// <summary>
    /// The build's document run (GetDocument.Insider) starts the host with no server, settings or secrets, only to read its
    /// endpoints: the connection strings read while registering get placeholders, and nothing that could dial them or
    /// check settings (a hosted service, the start's option checks) runs.
    /// </summary>
    internal static void PrepareBuildRun(WebApplicationBuilder builder)
    {
        if (Assembly.GetEntryAssembly()?.GetName().Name != "GetDocument.Insider") return;
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=document-build.invalid",
            ["ConnectionStrings:RabbitMq"] = "amqp://document-build.invalid/",
        });
        builder.Host.UseServiceProviderFactory(new EndpointsOnly());
    }

    sealed class EndpointsOnly : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            // The web host stays: starting it builds the pipeline, which hands the mapped endpoints to routing.
            var others = services.Where(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType?.FullName != ServiceDefaults.WebHostService).ToList();
            foreach (var service in others) services.Remove(service);
            services.RemoveAll<IStartupValidator>();
            return services;
        }

        public IServiceProvider CreateServiceProvider(IServiceCollection services) => services.BuildServiceProvider();
    }
}
