// Http.java URL - java's own HTTP client (java.net.http.HttpClient, no proxy), for
// tests/shell/names.sh: one GET.  Prints "ok STATUS" and exits 0, or prints java's error and
// its causes and exits 1.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public class Http {
	public static void main(String[] args) {
		HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
		    .connectTimeout(Duration.ofSeconds(5)).build();
		HttpRequest get = HttpRequest.newBuilder(URI.create(args[0]))
		    .timeout(Duration.ofSeconds(5)).build();
		try {
			HttpResponse<Void> r = client.send(get, HttpResponse.BodyHandlers.discarding());
			System.out.println("ok " + r.statusCode());
		} catch (Exception e) {
			System.err.println("java: " + e);
			for (Throwable t = e.getCause(); t != null; t = t.getCause())
				System.err.println("java:   caused by " + t);
			System.exit(1);
		}
	}
}
