using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Infra.Ssh;

/// <summary>
/// Opens pinned, authenticated SSH.NET clients for a target (direct or through a forwarded port), retrying
/// connection failures with backoff; a refused host key or login is never retried.
/// </summary>
internal static class SshConnector
{
    /// <summary>Connects a client of type <typeparamref name="T"/> (SshClient or SftpClient) to <paramref name="target"/>.</summary>
    public static async Task<T> ConnectAsync<T>(
        SshTarget target, string address, int port, SshClientOptions options, Func<ConnectionInfo, T> create, CancellationToken ct)
        where T : BaseClient
    {
        var key = Identities.Load(target, options);
        var attempts = 1 + Math.Max(0, options.ConnectRetries);
        Exception? last = null;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (attempt > 1)
            {
                var delay = options.RetryDelay * Math.Pow(2, attempt - 2) * (1 + (Random.Shared.NextDouble() * 0.2));
                options.Logger.LogDebug("retrying connection to {Host} in {Delay} ms (attempt {Attempt} of {Attempts})",
                    target.Name, (int)delay.TotalMilliseconds, attempt, attempts);
                await Task.Delay(delay, ct);
            }
            var info = new ConnectionInfo(address, port, target.User, new PrivateKeyAuthenticationMethod(target.User, key))
            {
                Timeout = target.ConnectTimeout,
            };
            HostKeys.Configure(info, HostKeys.KeyTypesFor(target.HostKey));
            var check = new HostKeyCheck(target.Name, target.HostKey);
            var client = create(info);
            client.HostKeyReceived += check.OnHostKeyReceived;
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            budget.CancelAfter(target.ConnectTimeout);
            try
            {
                await client.ConnectAsync(budget.Token);
                return client;
            }
            catch (Exception e)
            {
                client.Dispose();
                if (ct.IsCancellationRequested) throw;
                if (check.Mismatch(e) is { } mismatch) throw mismatch;
                if (e is SshAuthenticationException)
                {
                    throw new SshConnectException(target.Name,
                        $"{target.Name} refused the login as {target.User} with identity file {target.IdentityFile ?? "(default)"}", e);
                }
                if (!IsRetryable(e)) throw new SshConnectException(target.Name, $"cannot connect to {target}: {Describe(e, target)}", e);
                last = e;
                options.Logger.LogDebug("connection to {Host} failed: {Reason}", target.Name, Describe(e, target));
            }
        }
        throw new SshConnectException(target.Name,
            $"cannot connect to {target} after {attempts} attempt{(attempts == 1 ? "" : "s")}: {Describe(last!, target)}", last);
    }

    private static bool IsRetryable(Exception e) =>
        e is SocketException or SshConnectionException or SshOperationTimeoutException or TimeoutException
            or OperationCanceledException or ProxyException or IOException
        || e.InnerException is SocketException or IOException;

    private static string Describe(Exception e, SshTarget target) => e switch
    {
        OperationCanceledException or SshOperationTimeoutException or TimeoutException =>
            $"no answer within the connect timeout of {target.ConnectTimeout.TotalSeconds:0.###} s",
        SocketException s => s.SocketErrorCode.ToString(),
        _ => e.Message,
    };
}
