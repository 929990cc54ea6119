using System.Net;
using Apmatrix.ApBus.Persistence;
using Apmatrix.ApModel;
using Apmatrix.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace Apmatrix.ApBus.Http;

/// <summary>
/// Asks VfioAp whether new apmask/aqmask would take an APQN assigned to an mdev (spec 1.4: the in_use veto); an allowed
/// change is reserved there, holding off assignments, until VfioAp applies it or ApBus releases it (spec 1.9).
/// </summary>
public sealed class VfioApClient(HttpClient http, ILogger<VfioApClient> log)
{
    public const string DefaultBaseAddress = "http://127.0.0.1:5102";

    /// <summary><paramref name="lastSequence"/> is the host's last event under the row lock: the change, if made, is the next.</summary>
    public async Task ReserveMaskChangeAsync(string hostId, ApPermissions next, long lastSequence, Guid reservation,
        CancellationToken cancellationToken)
    {
        var check = new { apmask = next.Apmask.ToRangeList(), aqmask = next.Aqmask.ToRangeList(), lastSequence, reservation };
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync($"hosts/{Uri.EscapeDataString(hostId)}/mask-check", check, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new ApBusException(ApBusErrorKind.Unavailable, $"VfioAp could not be asked about the mask change: {e.Message}");
        }
        using (response)
        {
            if (response.IsSuccessStatusCode) return;
            var problem = await ReadProblemAsync(response, cancellationToken);
            // Only a veto is the operator's answer; any other 409 (a change that lost a race at VfioAp's database) decided nothing: 503.
            if (response.StatusCode != HttpStatusCode.Conflict || !IsVeto(problem))
                throw new ApBusException(ApBusErrorKind.Unavailable,
                    $"VfioAp answered the mask check with {(int)response.StatusCode}{(problem?.Detail is { } why ? $": {why}" : "")}");
            var holder = problem?.Extensions.Where(e => e.Key is "apqn" or "mdev" or "reservedBy").ToDictionary(e => e.Key, e => e.Value);
            throw new ApBusException(ApBusErrorKind.Busy, problem?.Detail ?? "VfioAp vetoed the mask change", holder);
        }
    }

    /// <summary>
    /// The change was not made: its reservation stops holding off assignments now. Best effort, and never cancelled with
    /// the request that failed; a release that does not arrive leaves the reservation to its lease (<c>Masks:PendingLease</c>).
    /// </summary>
    public async Task ReleaseMaskChangeAsync(string hostId, Guid reservation)
    {
        try
        {
            using var response = await http.DeleteAsync($"hosts/{Uri.EscapeDataString(hostId)}/mask-check/{reservation}");
            if (!response.IsSuccessStatusCode)
                log.LogWarning("host {Host}: VfioAp answered the release of mask reservation {Reservation} with {Status}; it ends at its lease",
                    hostId, reservation, (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            log.LogWarning("host {Host}: mask reservation {Reservation} could not be released ({Error}); it ends at its lease",
                hostId, reservation, e.Message);
        }
    }

    /// <summary>
    /// The last bus event VfioAp applied of each host (0 for one it has none of yet), or null when VfioAp does not answer
    /// (the caller then goes on without it).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>?> AppliedAsync(IReadOnlyList<string> hostIds, CancellationToken cancellationToken)
    {
        // Briefly: an outbox lane waits on the answer, and without one it goes on anyway.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            var applied = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var query in AppliedAsks.Queries(hostIds))
                foreach (var answer in await http.GetFromJsonAsync<List<Applied>>($"applied?{query}", timeout.Token) ?? [])
                    applied[answer.Host] = answer.LastSequence;
            return applied;
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            log.LogDebug("hosts {Hosts}: VfioAp did not say how far it has applied ({Error})", string.Join(',', hostIds), e.Message);
            return null;
        }
    }

    sealed record Applied(string Host, long LastSequence);

    static bool IsVeto(ProblemDetails? problem) =>
        problem is not null && problem.Extensions.TryGetValue("kind", out var kind) && kind?.ToString() == "busy";

    static async Task<ProblemDetails?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException)
        {
            return null;
        }
    }
}
