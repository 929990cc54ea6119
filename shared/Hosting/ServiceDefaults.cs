using System.Text.Json;
using System.Text.Json.Serialization;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>What every apmatrix service has: problem details, API keys and roles, an OpenAPI document, open health endpoints, string enums, a graceful stop.</summary>
public static class ServiceDefaults
{
    /// <summary>
    /// The builder every service starts from: <paramref name="configure"/> runs before anything reads
    /// configuration, so a test can add its own sources; files come from the service's own folder,
    /// never the current directory.
    /// </summary>
    public static WebApplicationBuilder CreateServiceBuilder(Type app, string[] args, Action<WebApplicationBuilder>? configure)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = app.Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);
        ApiDocument.PrepareBuildRun(builder);
        // Docker's secrets: one file per setting, named by its key with __ for ':' (ConnectionStrings__RabbitMq).
        if (builder.Configuration[SecretsDirectory] is { Length: > 0 } secrets)
            builder.Configuration.AddKeyPerFile(Directory.Exists(secrets)
                ? secrets
                : throw new InvalidOperationException($"{SecretsDirectory}: folder {InputText.Quote(secrets)} does not exist (the folder of secret files, one per setting)"), optional: false);
        return builder.AddServiceDefaults();
    }

    /// <summary>The setting naming a folder of secret files (<c>/run/secrets</c> under compose), read after every other source.</summary>
    public const string SecretsDirectory = "Secrets:Directory";

    /// <summary>The largest body any request may send: a host's whole definition as range lists is a few kilobytes.</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    /// <summary>How long a service may take to stop its bus and web server; a supervisor must wait at least this long.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A path nothing takes is shown this far: its wrong part is often the last segment, after a long host name.</summary>
    const int PathShown = 256;

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = DescribeBareProblem);
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddApiKeyAuthentication(builder.Configuration);
        builder.Services.AddOptions<RequestLimits>().Bind(builder.Configuration.GetSection(RequestLimits.Section))
            .Validate(l => l.PerHost > 0 && l.InAll > 0 && l.Queue >= 0, "Requests:PerHost and Requests:InAll must be 1 or more, Requests:Queue 0 or more")
            .ValidateOnStart();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RequestLimits>>((o, limits) =>
        {
            o.GlobalLimiter = limits.Value.Limiter();
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RequestLimits.RefuseAsync;
        });
        builder.Services.AddApmatrixOpenApi();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<ServingCheck>(ServingCheck.Name, tags: ["ready"]);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            // A number is a JSON number: the web defaults would also read "7" and "+7" where the field is a number.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // A field named twice is refused: a reader that keeps the first would see another request than the service.
            o.SerializerOptions.AllowDuplicateProperties = false;
            // A misspelt field would leave its setting at the default (a mask, say) without a word: it is refused instead.
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Host.ConfigureContainer<IServiceCollection>((_, services) => ServerFirst(services));
        builder.AddApmatrixTelemetry();
        return builder;
    }

    /// <summary>ASP.NET Core's hosted service that runs the web server.</summary>
    internal const string WebHostService = "Microsoft.AspNetCore.Hosting.GenericWebHostService";

    /// <summary>
    /// The web server starts before the hosted services, which wait for the database and the broker as long as they are
    /// away: <c>/health/live</c> and <c>/health/ready</c> answer meanwhile, and the APIs say the service is starting
    /// (<see cref="MapDefaultEndpoints"/>). ASP.NET Core adds its server last, after every registration; this runs after it.
    /// </summary>
    static void ServerFirst(IServiceCollection services)
    {
        var server = services.LastOrDefault(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.FullName == WebHostService);
        var first = services.FirstOrDefault(d => d.ServiceType == typeof(IHostedService));
        if (server is null || first == server) return;
        services.Remove(server);
        services.Insert(services.IndexOf(first!), server);
    }

    /// <summary>
    /// Kestrel, routing and minimal APIs answer some requests themselves with a bare status (a body refused, no endpoint at
    /// the path, a method the path does not take): it gets a kind and a detail as every refusal has.
    /// </summary>
    static void DescribeBareProblem(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Extensions.ContainsKey("kind")) return;
        var request = context.HttpContext.Request;
        var (kind, title, detail) = problem.Status switch
        {
            StatusCodes.Status413PayloadTooLarge => ("too-large", problem.Title, $"a request body is at most {MaxRequestBodyBytes} bytes"),
            StatusCodes.Status415UnsupportedMediaType => ("media-type", problem.Title,
                "a request body is JSON, in UTF-8 unless its charset names another the service reads: send Content-Type: application/json"),
            StatusCodes.Status404NotFound => ("not-found", "Not found",
                $"nothing answers at {InputText.Quote(request.Path.Value, PathShown)}: the OpenAPI document at /openapi/v1.json lists the paths"),
            StatusCodes.Status405MethodNotAllowed => ("method-not-allowed", "Method not allowed",
                $"{InputText.Quote(request.Path.Value, PathShown)} does not take {InputText.Quote(request.Method)}: the Allow header lists what it takes"),
            StatusCodes.Status408RequestTimeout => ("timeout", "Request timeout",
                "the request body came too slowly (Kestrel's minimum data rate): nothing was done; send it again"),
            _ => (null, null, null),
        };
        if (kind is null) return;
        problem.Type = Refusals.TypeOf(kind);
        problem.Title = title;
        problem.Detail = detail;
        problem.Extensions["kind"] = kind;
    }

    /// <summary>
    /// A status without a body (no route, wrong method, too large) as a problem. ASP.NET Core's writer declines when Accept names no
    /// JSON type and plain text follows; every other answer of the APIs is JSON whatever Accept says, so this one is too.
    /// </summary>
    static async Task WriteBareProblemAsync(StatusCodeContext status)
    {
        var http = status.HttpContext;
        var context = new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = http.Response.StatusCode } };
        if (await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(context)) return;
        context.ProblemDetails.Title = ReasonPhrases.GetReasonPhrase(http.Response.StatusCode);
        DescribeBareProblem(context);
        await http.Response.WriteAsJsonAsync(context.ProblemDetails, (JsonSerializerOptions?)null, "application/problem+json", http.RequestAborted);
    }

    /// <summary>A service's refusal kinds (exception to status, kind, title), one <see cref="Refusals.Add{TException}(int, string, string?)"/> each.</summary>
    public static IServiceCollection AddRefusals(this IServiceCollection services, Action<Refusals> register) => services.Configure(register);

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Answers are read with a key and change from one second to the next: no cache keeps one, no browser guesses its type.
        var service = app.Environment.ApplicationName[(app.Environment.ApplicationName.LastIndexOf('.') + 1)..];
        app.Use((http, next) =>
        {
            // As the answer starts, unless an endpoint chose its own: the exception handler clears the headers of an answer it rewrites.
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                if (headers.CacheControl.Count == 0) headers.CacheControl = "no-store";
                headers.XContentTypeOptions = "nosniff";
                headers[ServiceHeader.Name] = service;
                return Task.CompletedTask;
            });
            return next(http);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages(WriteBareProblemAsync);
        // Before anything may answer without reading the body: Kestrel would drain it after the answer, meet the limit and
        // reset the connection, and the client could lose the answer.
        app.Use(async (http, next) =>
        {
            if (http.Request.ContentLength > MaxRequestBodyBytes) await RefuseTooLargeAsync(http);
            // A body of no declared length is read whole first, where Kestrel refuses it at the limit, and again by the endpoint.
            if (http.Request.ContentLength is null && http.Request.Headers.TransferEncoding.Count > 0) await BufferAsync(http.Request, http.RequestAborted);
            await next(http);
        });
        // The APIs need the database migrated and the bus up: until every hosted service has started, and once stopping, only health answers.
        var lifetime = app.Lifetime;
        app.Use((http, next) => Serving(lifetime) || http.Request.Path.StartsWithSegments("/health") ? next(http) : RefuseNotServingAsync(http, lifetime));
        app.UseAuthentication();
        app.UseAuthorization();
        // A body is read whole before its request takes a place in the limits: one sent slowly holds its connection, not a place.
        app.Use(async (http, next) =>
        {
            if (http.Request.ContentLength > 0) await BufferAsync(http.Request, http.RequestAborted);
            await next(http);
        });
        // A flood on one host waits its turn there, not in the database the other hosts share.
        app.UseRateLimiter();
        app.Use(RequestLimits.ShieldFromAbortAsync);
        app.Use((http, next) =>
        {
            BodyCharset.Check(http);
            return next(http);
        });
        app.MapApmatrixOpenApi();
        MapHealth(app, "/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
        // Degraded is not ready either (MassTransit reports a stopped endpoint as Degraded); the body names each check's reason.
        MapHealth(app, "/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = HealthReportJson.WriteAsync,
        });
        return app;
    }

    internal static bool Serving(IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested;

    static Task RefuseNotServingAsync(HttpContext http, IHostApplicationLifetime lifetime)
    {
        var stopping = lifetime.ApplicationStopping.IsCancellationRequested;
        http.Response.Headers.RetryAfter = ProblemExceptionHandler.RetryAfterSeconds;
        return TypedResults.Problem(Refusals.Problem(StatusCodes.Status503ServiceUnavailable, "unavailable",
            stopping ? "The service is stopping" : "The service is starting",
            stopping
                ? "it is stopping; another instance, or this one once started again, answers"
                : "it waits for its database or broker, or applies its migrations; /health/ready names what is missing")).ExecuteAsync(http);
    }

    /// <summary>Kestrel's own refusal: its first read of a body declared too large throws 413 and ends the connection's keep-alive.</summary>
    static async Task RefuseTooLargeAsync(HttpContext http)
    {
        await http.Request.Body.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false, http.RequestAborted);
        throw new BadHttpRequestException($"a request body is at most {MaxRequestBodyBytes} bytes", StatusCodes.Status413PayloadTooLarge);
    }

    static async Task BufferAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // In memory: a body is at most MaxRequestBodyBytes, and a service may run where it cannot write a file.
        request.EnableBuffering(MaxRequestBodyBytes);
        await request.Body.DrainAsync(cancellationToken);
        request.Body.Position = 0;
    }

    /// <summary>Open to anyone (probes hold no key), GET and HEAD only.</summary>
    static void MapHealth(WebApplication app, string path, HealthCheckOptions options)
    {
        app.MapHealthChecks(path, options).AllowAnonymous().WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
        // Any other method: the router's own 405 would fall under the fallback policy and answer a caller without a key 401.
        app.Map(path, (HttpResponse response) =>
        {
            response.Headers.Allow = "GET, HEAD";
            return TypedResults.StatusCode(StatusCodes.Status405MethodNotAllowed);
        }).AllowAnonymous().WithOrder(1);
    }
}
