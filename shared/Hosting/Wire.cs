using System.Collections.Concurrent;
using System.Text.Json;
using Apmatrix.Contracts;

namespace Apmatrix.Hosting;

/// <summary>JSON options for outbox bodies: the same wire form MassTransit's serializer gives the contracts.</summary>
public static class Wire
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    // Looked up once per name: the dispatcher asks for every row.
    static readonly ConcurrentDictionary<string, Type?> Contracts = new();

    public static Type ContractType(string name) =>
        Contracts.GetOrAdd(name, n => typeof(ApplyApcbs).Assembly.GetType(n, throwOnError: false))
        ?? throw new InvalidOperationException($"outbox row names unknown message type {name}");
}
