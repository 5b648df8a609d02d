// Command trigger_webhook triggers a GenAuth webhook through genauth-sidecar and reports errors with
// their google.rpc.ErrorInfo detail.
//
//	examples/go/build.sh build/examples/go
//	build/examples/go/trigger_webhook --webhook-id wh-1 \
//	    --body '{"eventName": "user:created", "data": {"id": "u1"}}'
//
// It prints the response as JSON and exits 0; on error it prints the gRPC code, the message and the
// decoded details to stderr and exits 1. See README.md for how the stubs are generated.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	managementv1 "github.com/genauth-sidecar/genauth-sidecar/gen/go/genauth/management/v1"
)

func main() {
	target := flag.String("target", "127.0.0.1:50051", "the sidecar's host:port")
	webhookID := flag.String("webhook-id", "", "the GenAuth webhook id (required)")
	body := flag.String("body", "", "JSON object GenAuth POSTs to the webhook's URL")
	timeout := flag.Float64("timeout", 5, "deadline of the call, in seconds")
	flag.Parse()
	if *webhookID == "" || flag.NArg() > 0 || *timeout <= 0 {
		flag.Usage()
		os.Exit(2)
	}

	request := &managementv1.TriggerWebhookRequest{WebhookId: *webhookID}
	if *body != "" {
		var object map[string]interface{}
		if err := json.Unmarshal([]byte(*body), &object); err != nil || object == nil {
			fmt.Fprintln(os.Stderr, "--body must be a JSON object")
			os.Exit(2)
		}
		requestBody, err := structpb.NewStruct(object)
		if err != nil {
			fmt.Fprintf(os.Stderr, "--body: %v\n", err)
			os.Exit(2)
		}
		request.RequestBody = requestBody
	}

	// The sidecar listens on the pod's loopback only, so the channel is plaintext. (grpc-go >= 1.34:
	// grpc.WithTransportCredentials(insecure.NewCredentials()); >= 1.63: grpc.NewClient.)
	conn, err := grpc.Dial(*target, grpc.WithInsecure())
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	client := managementv1.NewWebhookServiceClient(conn)

	// Always set a deadline: it bounds the sidecar's whole call, retries included.
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout*float64(time.Second)))
	defer cancel()
	reply, err := client.TriggerWebhook(ctx, request)
	if err != nil {
		printError(err)
		cancel()
		conn.Close()
		os.Exit(1)
	}
	// reply.Response is what the webhook's URL answered (a google.protobuf.Value).
	out, _ := json.MarshalIndent(map[string]interface{}{"response": reply.GetResponse().AsInterface()}, "", "  ")
	fmt.Println(string(out))
}

// printError prints a failed call: its code, its message and every detail of its google.rpc.Status
// (grpc-go decodes the grpc-status-details-bin trailer into status.Status for us).
func printError(err error) {
	st := status.Convert(err)
	fmt.Fprintf(os.Stderr, "error: %s: %s\n", code.Code(st.Code()), st.Message())
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.ErrorInfo:
			fmt.Fprintf(os.Stderr, "  reason: %s (domain %s)\n", d.GetReason(), d.GetDomain())
			names := make([]string, 0, len(d.GetMetadata())) // statusCode, apiCode, requestId, ...
			for name := range d.GetMetadata() {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				fmt.Fprintf(os.Stderr, "  metadata: %s=%s\n", name, d.GetMetadata()[name])
			}
		case *errdetails.RetryInfo:
			fmt.Fprintf(os.Stderr, "  retry after: %s\n", d.GetRetryDelay().AsDuration())
		default:
			fmt.Fprintf(os.Stderr, "  detail: %v\n", detail)
		}
	}
}
