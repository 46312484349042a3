{{/* Names, labels and the environment both components share. */}}

{{- define "evs.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "evs.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "evs.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "evs.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: include "evs.selector" (list . "worker") */}}
{{- define "evs.selector" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ include "evs.name" $ }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "evs.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "evs.secretName" -}}
{{- default (include "evs.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "evs.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "evs.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "evs.secretEnv" -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ include "evs.secretName" (index . 0) }}
      key: {{ index . 2 }}
{{- end -}}

{{/* Temporal connection: address, namespace, task queue, TLS, API key (from its Secret). */}}
{{- define "evs.temporalEnv" -}}
{{- $t := .Values.temporal -}}
- name: TEMPORAL_ADDRESS
  value: {{ required "temporal.address is required (host:port of the Temporal frontend)" $t.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ $t.namespace | quote }}
- name: TEMPORAL_TASK_QUEUE
  value: {{ $t.taskQueue | quote }}
{{- if $t.uiUrl }}
- name: TEMPORAL_UI_URL
  value: {{ $t.uiUrl | quote }}
{{- end }}
{{- if $t.tls.enabled }}
- name: TEMPORAL_TLS
  value: "true"
{{- end }}
{{- if $t.tls.existingSecret }}
- name: TEMPORAL_TLS_CERT_PATH
  value: /etc/engage-visitor-sync/temporal-tls/{{ $t.tls.certKey }}
- name: TEMPORAL_TLS_KEY_PATH
  value: /etc/engage-visitor-sync/temporal-tls/{{ $t.tls.keyKey }}
{{- end }}
{{- if $t.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $t.apiKey.existingSecret }}
      key: {{ $t.apiKey.key }}
{{- end }}
{{- end -}}

{{/* Plain variables from a map, sorted by name. */}}
{{- define "evs.plainEnv" -}}
{{- range $k, $v := . }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{ end -}}
{{- end -}}

{{- define "evs.tlsVolumeMount" -}}
{{- if .Values.temporal.tls.existingSecret -}}
- name: temporal-tls
  mountPath: /etc/engage-visitor-sync/temporal-tls
  readOnly: true
{{ end -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "evs.tlsVolume" -}}
{{- if .Values.temporal.tls.existingSecret -}}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tls.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .Values.temporal.tls.certKey }}
        path: {{ .Values.temporal.tls.certKey }}
      - key: {{ .Values.temporal.tls.keyKey }}
        path: {{ .Values.temporal.tls.keyKey }}
{{ end -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end -}}
