using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apmatrix.Contracts;
using Apmatrix.LoadTest;

namespace Apmatrix.Integration.Tests;

/// <summary>
/// Every answer a test gets from a service is one the service's committed OpenAPI document (docs/openapi) declares for
/// the operation called: a status it does not list, or a refusal without its <c>kind</c>, fails the request that got it,
/// so what a client generated from the document expects is what every integration test saw. Answers no operation
/// declares (an unknown path or method, health, metrics) and Kestrel's own (no service header) are not judged.
/// </summary>
public sealed class DocumentedResponses() : DelegatingHandler(new SocketsHttpHandler())
{
    static readonly ConcurrentDictionary<string, Operations> Documents = new(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (!response.Headers.TryGetValues(ServiceHeader.Name, out var services)) return response;
        var service = services.First();
        var operation = Documents.GetOrAdd(service, Operations.Load).Find(request.Method.Method, request.RequestUri!.AbsolutePath);
        if (operation is null) return response;
        var status = ((int)response.StatusCode).ToString();
        if (!operation.Statuses.Contains(status))
            throw new UndocumentedResponseException($"{service} answered {request.Method} {request.RequestUri.AbsolutePath} with {status}, " +
                $"which docs/openapi/{service.ToLowerInvariant()}.json does not declare for {operation.Template} " +
                $"(it declares {string.Join(", ", operation.Statuses)})");
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            // Read as bytes: the content keeps them for the test, where a stream read would be disposed under it.
            var problem = JsonNode.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken)) as JsonObject;
            if (problem?["kind"] is not JsonValue kind || kind.GetValueKind() != JsonValueKind.String)
                throw new UndocumentedResponseException($"{service} answered {request.Method} {request.RequestUri.AbsolutePath} with a {status} " +
                    $"problem without the kind its document requires: {problem?.ToJsonString()}");
        }
        return response;
    }

    sealed record Operation(string Template, string[] Segments, IReadOnlySet<string> Statuses)
    {
        public bool Matches(string[] path) =>
            path.Length == Segments.Length && Segments.Zip(path).All(s => s.First.StartsWith('{') || s.First == s.Second);

        public int Literals => Segments.Count(s => !s.StartsWith('{'));
    }

    sealed class Operations(List<(string Method, Operation Operation)> all)
    {
        /// <summary>The most literal template that matches: <c>/hosts/{host}/mdevs</c> before a template all parameters.</summary>
        public Operation? Find(string method, string path)
        {
            var segments = Split(path);
            return all.Where(o => o.Method.Equals(method, StringComparison.OrdinalIgnoreCase) && o.Operation.Matches(segments))
                .Select(o => o.Operation).MaxBy(o => o.Literals);
        }

        public static Operations Load(string service)
        {
            var document = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root(), "docs", "openapi", $"{service.ToLowerInvariant()}.json")))!;
            var all = new List<(string, Operation)>();
            foreach (var (template, item) in document["paths"]!.AsObject())
                foreach (var (method, operation) in item!.AsObject())
                    if (operation?["responses"] is JsonObject responses)
                        all.Add((method, new Operation(template, Split(template), responses.Select(r => r.Key).ToHashSet())));
            return new Operations(all);
        }

        static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
    }
}

public sealed class UndocumentedResponseException(string message) : Exception(message);
