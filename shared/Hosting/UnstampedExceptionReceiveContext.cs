using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>A faulted message on its way to <c>_error</c>, its delivery read as <see cref="UnstampedDelivery"/>.</summary>
sealed class UnstampedExceptionReceiveContext(ExceptionReceiveContext context, string self) : UnstampedReceiveContext(context, self), ExceptionReceiveContext
{
    public Exception Exception => context.Exception;

    public DateTime ExceptionTimestamp => context.ExceptionTimestamp;

    public ExceptionInfo ExceptionInfo => context.ExceptionInfo;

    public SendHeaders ExceptionHeaders => context.ExceptionHeaders;
}
