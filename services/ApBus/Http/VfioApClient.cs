using System.Net;
using Apmatrix.ApBus.Persistence;
using Apmatrix.ApModel;
using Microsoft.AspNetCore.Mvc;

namespace Apmatrix.ApBus.Http;

/// <summary>Asks VfioAp whether new apmask/aqmask would take an APQN assigned to an mdev (spec 1.4: the in_use veto).</summary>
public sealed class VfioApClient(HttpClient http)
{
    public const string DefaultBaseAddress = "http://127.0.0.1:5102";

    public async Task EnsureMaskChangeAllowedAsync(string hostId, ApPermissions next, CancellationToken cancellationToken)
    {
        var check = new { apmask = next.Apmask.ToRangeList(), aqmask = next.Aqmask.ToRangeList() };
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
            // 404: VfioAp does not know the host, so no mdev can hold its queues.
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound) return;
            if (response.StatusCode != HttpStatusCode.Conflict)
                throw new ApBusException(ApBusErrorKind.Unavailable, $"VfioAp answered the mask check with {(int)response.StatusCode}");
            var problem = await ReadProblemAsync(response, cancellationToken);
            throw new ApBusException(ApBusErrorKind.Busy, problem?.Detail ?? "VfioAp vetoed the mask change");
        }
    }

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
