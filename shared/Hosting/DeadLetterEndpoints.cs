using System.Globalization;
using Apmatrix.ApModel;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Apmatrix.Hosting;

/// <summary>
/// <c>/dead-letters</c> on a service that consumes (docs/ARCHITECTURE.md, Dead letters): its dead-letter queues and
/// their counts, the oldest messages of one, and their re-drive to the queue each came from.
/// </summary>
public static class DeadLetterEndpoints
{
    public const int DefaultShown = 20;
    public const int MaxShown = 100;
    public const int MaxRedriven = 10_000;

    /// <summary>Learns the service's receive queues from MassTransit as it configures them; call before the bus is built.</summary>
    public static IServiceCollection AddDeadLetters(this IServiceCollection services)
    {
        services.AddSingleton<DeadLetterQueues>();
        services.AddSingleton<IConfigureReceiveEndpoint>(provider => provider.GetRequiredService<DeadLetterQueues>());
        services.AddSingleton<DeadLetterBroker>();
        services.AddBusObserver<DeadLetterQueueSetup>();
        return services;
    }

    /// <summary>Reads for viewers and operators, the re-drive for operators (<see cref="ApiAccess.RequireApiRoles"/>).</summary>
    public static IEndpointRouteBuilder MapDeadLetters(this IEndpointRouteBuilder app)
    {
        var deadLetters = app.MapGroup("/dead-letters").RequireApiRoles().ProducesSharedProblems();
        deadLetters.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (DeadLetterBrokerException e)
            {
                context.HttpContext.Response.Headers.RetryAfter = ProblemExceptionHandler.RetryAfterSeconds;
                return TypedResults.Problem(Refusals.Problem(StatusCodes.Status503ServiceUnavailable, "unavailable", "The broker is unreachable; try again shortly", e.Message));
            }
        });
        deadLetters.MapGet("", ListAsync)
            .Describe("ListDeadLetters", "Lists the service's dead-letter queues (faulted _error, unconsumed _skipped) with their message counts");
        deadLetters.MapGet("/{queue}", PeekAsync)
            .Describe("PeekDeadLetters", "Shows the oldest messages of one dead-letter queue with the reason MassTransit recorded, leaving them in place and in order",
                StatusCodes.Status404NotFound);
        deadLetters.MapPost("/{queue}/redrive", RedriveAsync)
            .Describe("RedriveDeadLetters", "Sends the oldest messages of one dead-letter queue back to the queue each came from",
                StatusCodes.Status404NotFound);
        return app;
    }

    static async Task<Ok<List<DeadLetterQueueView>>> ListAsync(DeadLetterBroker broker, CancellationToken cancellationToken) =>
        TypedResults.Ok((await broker.CountAsync(cancellationToken)).Select(q => new DeadLetterQueueView(q.Queue, q.Messages)).ToList());

    static async Task<Results<Ok<DeadLetterPeekView>, ValidationProblem, ProblemHttpResult>> PeekAsync(string queue, string? count,
        DeadLetterQueues queues, DeadLetterBroker broker, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var shown = count is null ? DefaultShown : errors.Number("count", count, 1, MaxShown) ?? 0;
        if (errors.Any) return errors.Problem();
        if (NotOurs(queues, queue) is { } notFound) return notFound;
        var (messages, oldest) = await broker.PeekAsync(queue, shown, cancellationToken);
        return TypedResults.Ok(new DeadLetterPeekView(queue, messages, oldest));
    }

    static async Task<Results<Ok<DeadLetterRedriveView>, ValidationProblem, ProblemHttpResult>> RedriveAsync(string queue,
        DeadLetterRedriveRequest? request, DeadLetterQueues queues, DeadLetterBroker broker, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var limit = request?.Count is { } count ? errors.Number("count", count.ToString(CultureInfo.InvariantCulture), 1, MaxRedriven) : null;
        if (errors.Any) return errors.Problem();
        if (NotOurs(queues, queue) is { } notFound) return notFound;
        var (moved, remaining) = await broker.RedriveAsync(queue, limit, cancellationToken);
        return TypedResults.Ok(new DeadLetterRedriveView(queue, moved, remaining));
    }

    static ProblemHttpResult? NotOurs(DeadLetterQueues queues, string queue) => queues.Owns(queue)
        ? null
        : TypedResults.Problem(Refusals.Problem(StatusCodes.Status404NotFound, "not-found", "Not found",
            $"{InputText.Quote(queue)} is not a dead-letter queue of this service (GET /dead-letters lists them)"));
}

/// <summary>One dead-letter queue of the service and the messages it holds.</summary>
public sealed record DeadLetterQueueView(string Queue, uint Messages);

/// <summary>The queue, all the messages it holds, and its oldest ones, left where they were.</summary>
public sealed record DeadLetterPeekView(string Queue, uint Messages, IReadOnlyList<DeadLetterMessage> Oldest);

/// <summary><c>count</c>: how many of the oldest to move; all there are (up to <see cref="DeadLetterEndpoints.MaxRedriven"/>) when absent.</summary>
public sealed record DeadLetterRedriveRequest(int? Count = null);

/// <summary>How many moved back to their queue, and how many the dead-letter queue still holds.</summary>
public sealed record DeadLetterRedriveView(string Queue, int Moved, uint Remaining);
